# Switchboard: two commands set up everything on a fresh Debian machine.
#   make run    install missing Debian packages, build in release, stage plugins, start the host
#   make test   install missing Debian packages and the MCP test servers, build, run every test
#   make bench  build in release and run the benchmarks (figures go in BENCHMARKS.md);
#               make bench-chat runs only the chat-over-WebSocket load test

SWIFT        ?= swift
CONFIG       ?= plugins.yaml
PLUGIN_DIR   ?= plugins
# Plugin products (each builds lib<Name>.so); `make stage` copies them into PLUGIN_DIR.
PLUGINS      := ExampleC ExampleSwift SQLiteStore OpenAI OpenRouter Groq NativeTools MCP ConfigTools WebSocket
# python3: a second process that holds an SQLite lock in the store tests, and the MCP test servers
# (python3-venv for their virtualenvs; git for mcp-server-git's tests). libwebsockets-dev: the
# WebSocket transport; node-ws: node's `ws`, a second client the WebSocket tests talk to;
# apache2-utils: ApacheBench (`ab`), the HTTP client of `make bench`.
DEB_PACKAGES := pkg-config libyaml-dev libsqlite3-dev libcurl4-openssl-dev libwebsockets-dev gcc libc6-dev python3 python3-venv git node-ws apache2-utils
# The MCP plugin's tests run real servers from PyPI in two virtualenvs, made once (pinned versions):
# mcp 2.x with mcp-server-time and mcp-server-git, and mcp<2 as a handshake-only peer. The
# WebSocket tests' Python client (`websockets`) has a third.
PYTHON       ?= /usr/bin/python3
MCP_SERVERS  := Tests/MCPTests/Servers
WS_CLIENTS   := Tests/WebSocketTests/Clients

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench bench-chat build build-debug stage deps venvs install clean clean-venvs

PREFIX       ?= /usr/local

deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: the Swift 6.3 toolchain ($(SWIFT)) is not on PATH" >&2; exit 1; }
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

stage: build
	@mkdir -p $(PLUGIN_DIR)
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
	for p in $(PLUGINS); do cp -f $$bin/lib$$p.so $(PLUGIN_DIR)/; done; \
	echo "staged $(PLUGINS) into $(PLUGIN_DIR)/"

run: stage
	$$($(SWIFT) build -c release --show-bin-path)/switchboard run --config $(CONFIG)

build-debug: deps
	$(SWIFT) build --build-tests

# Each virtualenv is made only when its stamp is missing, so later runs cost nothing; a failed
# install leaves no stamp (and `make clean-venvs` starts over).
venvs: .venv-mcp/.ready .venv-mcp1/.ready .venv-ws/.ready

.venv-mcp/.ready: $(MCP_SERVERS)/requirements.txt
.venv-mcp1/.ready: $(MCP_SERVERS)/requirements-legacy.txt
.venv-ws/.ready: $(WS_CLIENTS)/requirements.txt

# One rule for every virtualenv: .venv-NAME/.ready from its requirements file.
.venv-%/.ready: | deps
	@rm -rf .venv-$* && $(PYTHON) -m venv .venv-$*
	.venv-$*/bin/pip install --quiet --disable-pip-version-check -r $<
	@touch $@

# The whole output is kept in .build/test-output.log; the issues are repeated after the summary,
# so a CI log that shows only its last lines still names every failing test.
test: build-debug venvs
	@log=.build/test-output.log; \
	{ $(SWIFT) test --skip-build 2>&1; echo $$? > $$log.status; } | tee $$log; \
	status=$$(cat $$log.status); rm -f $$log.status; \
	if [ "$$status" != 0 ]; then \
	  echo; echo "Failing tests (the whole output is in $$log):"; \
	  awk '/^✘ Test .* recorded an issue/ { shown = 1; print; next } shown && /^↳/ { print; next } { shown = 0 }' $$log; \
	fi; \
	exit $$status

bench: build venvs
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
	for bench in HostBench StoreBench ProviderCoreBench ProviderBench MCPBench ChatBench WebSocketBench; do echo; $$bin/$$bench || exit 1; done; \
	echo; Benchmarks/ChatLoad/run.sh $$bin; \
	echo; Benchmarks/HTTPLoad/run.sh $$bin

# Chat over WebSocket under load: chat-load's mock LLM, a host with the SQLite store, the OpenAI
# provider and the WebSocket transport, and N clients (Benchmarks/ChatLoad/run.sh says which).
bench-chat: build
	@Benchmarks/ChatLoad/run.sh $$($(SWIFT) build -c release --show-bin-path)

# Installs the host, the plugins and the SDK (header + Swift module map) for out-of-tree plugins.
install: build
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/switchboard $(DESTDIR)$(PREFIX)/lib/switchboard/plugins; \
	install -m 755 $$bin/switchboard $(DESTDIR)$(PREFIX)/bin/; \
	install -m 644 Sources/PluginABI/include/switchboard.h sdk/module.modulemap $(DESTDIR)$(PREFIX)/include/switchboard/; \
	for p in $(PLUGINS); do install -m 755 $$bin/lib$$p.so $(DESTDIR)$(PREFIX)/lib/switchboard/plugins/; done; \
	echo "installed into $(DESTDIR)$(PREFIX)"

clean:
	rm -rf .build $(PLUGIN_DIR)

clean-venvs:
	rm -rf .venv-mcp .venv-mcp1 .venv-ws

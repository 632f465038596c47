// JSONValue is part of the host's API (config blocks, requests); re-export it for callers.
@_exported import JSONSupport

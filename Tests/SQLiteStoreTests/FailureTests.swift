import CSQLite
import Foundation
import Host
import PluginABI
import Testing

/// Each failure the issue names, provoked for real: a full disk, a read-only file system, a
/// corrupt file, another process holding the lock, a schema from the future.
@Suite struct FailureTests {
    func append(_ store: StoreHarness, _ text: String, conversation: String = "c") async throws -> JSONValue {
        try await store.call("append", JSONValue(["conversation_id": .string(conversation), "owner": .string("o"), "message": message("user", text)]))
    }

    func count(_ store: StoreHarness, conversation: String = "c") async throws -> Int {
        try await store.call("get_conversation", JSONValue(["conversation_id": .string(conversation), "owner": .string("o")]))["messages"]?.array.count ?? -1
    }

    @Test func fullDatabaseReportsDatabaseFullAndKeepsWhatWasCommitted() async throws {
        let store = try StoreHarness(config: ["max_size_mb": .int(1)])
        defer { store.remove() }
        let big = String(repeating: "x", count: 64 * 1024)
        var stored = 0
        var failure: StoreHarness.Failure?
        for _ in 0..<64 {
            do { _ = try await append(store, big); stored += 1 } catch let error as StoreHarness.Failure { failure = error; break }
        }
        #expect(failure?.code == "database_full", "\(String(describing: failure))")
        #expect(failure?.message.contains("full") == true)
        #expect(stored > 0)
        #expect(try await count(store) == stored)
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small file system needs root"))
    func fullDiskReportsAnErrorEventAndNothingCommittedIsLost() async throws {
        let mount = try Tmpfs(sizeKB: 512)
        defer { mount.remove() }
        let store = try StoreHarness(config: ["synchronous": .string("normal")], directory: mount.path)
        defer { store.instance.destroy() }
        let big = String(repeating: "y", count: 32 * 1024)
        var stored = 0
        var failure: StoreHarness.Failure?
        for _ in 0..<64 {
            do { _ = try await append(store, big); stored += 1 } catch let error as StoreHarness.Failure { failure = error; break }
        }
        #expect(failure != nil, "a 512 KiB file system must fill up")
        #expect(["database_full", "database_unwritable"].contains(failure?.code ?? ""))
        #expect(try await count(store) == stored)
    }

    @Test(.enabled(if: getuid() == 0, "making files immutable needs root"))
    func databaseFilesBecomingUnwritableMidRunIsAnErrorAndReadsStillWork() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        _ = try await append(store, "before")
        let files = [store.path, store.path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        try Tmpfs.run("/usr/bin/chattr", ["+i"] + files)  // even root cannot write an immutable file
        defer { try? Tmpfs.run("/usr/bin/chattr", ["-i"] + files) }
        await #expect {
            try await append(store, "after")
        } throws: { error in
            (error as? StoreHarness.Failure).map { $0.status == SB_ERR_IO && $0.code == "database_unwritable" } ?? false
        }
        #expect(try await count(store) == 1)
    }

    @Test func unwritablePathFailsCreateWithAClearMessage() {
        #expect {
            try StoreHarness.create(config: ["db_path": .string("/dev/null/history.db")])
        } throws: { error in
            guard let error = error as? ComponentError else { return false }
            return error.status == SB_ERR_IO && error.message.hasPrefix("cannot open database /dev/null/history.db:")
        }
    }

    @Test func corruptFileIsRefusedAtCreate() throws {
        let folder = NSTemporaryDirectory() + "store-corrupt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: folder + "/history.db"))
        #expect {
            try StoreHarness.create(config: ["db_path": .string(folder + "/history.db")])
        } throws: { error in
            (error as? ComponentError)?.message.contains("file is not a database") == true
        }
    }

    @Test func databaseLockedByAnotherProcessBeyondTheTimeoutIsAnErrorThenRecovers() async throws {
        let store = try StoreHarness(config: ["busy_timeout_ms": .int(200)])
        defer { store.remove() }
        _ = try await append(store, "first")
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.read()
            """, store.path]
        let input = Pipe(), output = Pipe()
        locker.standardInput = input
        locker.standardOutput = output
        try locker.run()
        defer { if locker.isRunning { locker.terminate() } }
        #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).contains("locked"))
        let started = Date()
        await #expect(throws: StoreHarness.Failure(status: SB_ERR_BUSY, code: "database_locked", message: "database is locked (\(store.path))")) {
            try await append(store, "blocked")
        }
        #expect(Date().timeIntervalSince(started) >= 0.15, "waited for busy_timeout_ms first")
        try input.fileHandleForWriting.close()
        locker.waitUntilExit()
        _ = try await append(store, "after the lock")
        #expect(try await count(store) == 2)
    }

    @Test func newerSchemaIsRefusedAndAnOlderOneIsMigrated() throws {
        let folder = NSTemporaryDirectory() + "store-schema-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let future = folder + "/future.db", old = folder + "/old.db"
        try setUserVersion(99, of: future)
        #expect {
            try StoreHarness.create(config: ["db_path": .string(future)])
        } throws: { error in
            (error as? ComponentError)?.message == "database \(future) has schema version 99, newer than this SQLiteStore supports (2); upgrade Switchboard or use another file"
        }
        try setUserVersion(0, of: old)
        let migrated = try StoreHarness.create(config: ["db_path": .string(old)])
        migrated.destroy()
        #expect(try userVersion(of: old) == 2)
    }

    @Test func aVersion1DatabaseKeepsItsConversationsAfterTheMigration() async throws {
        let folder = NSTemporaryDirectory() + "store-v1-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/v1.db"
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        // The version 1 schema, with one conversation and one message in it.
        sqlite3_exec(db, """
            CREATE TABLE conversations (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT, saved_name TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
            CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
                role TEXT NOT NULL, content TEXT NOT NULL DEFAULT '', reasoning TEXT, tool_calls TEXT, tool_call_id TEXT, tool_name TEXT, usage TEXT,
                model TEXT, provider TEXT, request_id TEXT, status TEXT NOT NULL DEFAULT 'complete', tokens INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (conversation, seq), UNIQUE (conversation, request_id));
            INSERT INTO conversations VALUES ('c1', 'alice', 'old', NULL, 1, 1);
            INSERT INTO messages (conversation, seq, role, content, created_at, updated_at) VALUES ('c1', 1, 'user', 'kept', 1, 1);
            PRAGMA user_version = 1;
            """, nil, nil, nil)
        sqlite3_close(db)
        let store = try StoreHarness(config: ["db_path": .string(path)], directory: folder + "/scratch")
        defer { store.instance.destroy() }
        let got = try await store.call("get_conversation", .object(["conversation_id": .string("c1"), "owner": .string("alice")]))
        #expect(got["conversation"]?["title"] == .string("old"))
        #expect(got["conversation"]?["memory_limit"] == nil)
        #expect(got["messages"]?.array.first?["content"] == .string("kept"))
        #expect(try userVersion(of: path) == 2)
    }

    func setUserVersion(_ version: Int, of path: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw StoreHarness.Failure(status: 0, code: "", message: "open \(path)") }
        defer { sqlite3_close(db) }
        sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS unrelated(x); PRAGMA user_version = \(version)", nil, nil, nil)
    }

    func userVersion(of path: String) throws -> Int {
        var db: OpaquePointer?, statement: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { return -1 }
        defer { sqlite3_finalize(statement); sqlite3_close(db) }
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nil)
        return sqlite3_step(statement) == SQLITE_ROW ? Int(sqlite3_column_int(statement, 0)) : -1
    }
}

/// A small tmpfs mounted for one test (root only), unmounted by `remove()`.
struct Tmpfs {
    let path: String

    init(sizeKB: Int) throws {
        path = NSTemporaryDirectory() + "store-tmpfs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.mount(["-t", "tmpfs", "-o", "size=\(sizeKB)k", "tmpfs", path])
    }

    func remove() {
        try? Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    static func mount(_ arguments: [String]) throws { try run("/bin/mount", arguments) }

    static func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StoreHarness.Failure(status: 0, code: "", message: "\(program) \(arguments) failed") }
    }
}

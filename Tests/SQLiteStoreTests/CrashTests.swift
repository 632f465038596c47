import CSQLite
import Foundation
import Host
import PluginTestKit
import Testing

/// Kills a process with SIGKILL while it streams many concurrent replies into the store, then
/// reopens the file: it must be intact, every turn the process saw committed must be complete,
/// and every other reply must be marked incomplete, with what had streamed kept.
@Suite struct CrashTests {
    @Test func sigkillDuringConcurrentStreamedAppendsLosesNothingCommitted() async throws {
        let folder = NSTemporaryDirectory() + "store-crash-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = folder + "/history.db"

        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: StoreHarness.buildDirectory + "/StoreCrashDriver")
        driver.arguments = [StoreHarness.buildDirectory + "/libSQLiteStore.so", database, "8"]
        let output = Pipe()
        driver.standardOutput = output
        try driver.run()
        let printed = await offThePool {  // blocking reads and waits stay off the cooperative pool
            var printed = ""
            let deadline = Date().addingTimeInterval(60)
            while printed.components(separatedBy: "completed ").count <= 24 && Date() < deadline && driver.isRunning {
                printed += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            }
            kill(driver.processIdentifier, SIGKILL)
            driver.waitUntilExit()
            return printed + String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        #expect(driver.terminationReason == .uncaughtSignal)
        let completed = Set(printed.split(separator: "\n").filter { $0.hasPrefix("completed ") }.map { String($0.dropFirst("completed ".count)) })
        #expect(completed.count >= 24, "the driver completed turns before it was killed")

        #expect(try integrityCheck(database) == "ok")
        let full = (0..<40).map { "word\($0) " }.joined()
        let store = try StoreHarness.create(config: ["db_path": .string(database)])
        defer { store.destroy() }
        var incomplete = 0
        for conversation in 0..<8 {
            let messages = try await StoreHarness.call(store, "get_conversation",
                                                        .object(["conversation_id": .string("c\(conversation)"), "owner": .string("crash")]))["messages"]?.array ?? []
            let roles = messages.compactMap { $0["role"]?.stringValue }
            #expect(!zip(roles, roles.dropFirst()).contains { $0 == "user" && $1 == "user" }, "never two user messages in a row")
            for reply in messages where reply["role"] == .string("assistant") {
                let request = reply["request_id"]?.stringValue ?? ""
                let content = reply["content"]?.stringValue ?? ""
                if completed.contains(request) {
                    #expect(reply["status"] == .string("complete") && content == full, "\(request) was reported complete")
                } else if reply["status"] == .string("incomplete") {
                    incomplete += 1
                    #expect(full.hasPrefix(content), "\(request) keeps a prefix of what streamed")
                } else {
                    #expect(content == full)  // completed after the last line was read
                }
            }
        }
        #expect(incomplete >= 1, "the kill landed mid-stream for at least one conversation (c0 streams slowly)")
    }

    func integrityCheck(_ path: String) throws -> String {
        var db: OpaquePointer?, statement: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else { return "cannot open" }
        defer { sqlite3_finalize(statement); sqlite3_close(db) }
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nil)
        guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return "no result" }
        return String(cString: text)
    }
}

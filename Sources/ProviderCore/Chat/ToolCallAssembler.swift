/// Joins streamed tool-call fragments into complete calls, by `index`.
///
/// The first fragment of a call carries its `id` and `function.name`; later fragments carry more
/// of `function.arguments`, which are concatenated in arrival order. Fragments of parallel calls
/// may interleave. A fragment without `index` continues the call with the same `id`, starts a new
/// call when its `id` is new, and otherwise continues the most recent call.
///
/// Not thread-safe: one per stream.
struct ToolCallAssembler {
    private struct Pending {
        var index: Int
        var id: String?
        var name: String?
        var arguments = ""
    }

    /// Few calls per reply, so a linear scan beats hashing.
    private var pending: [Pending] = []
    private var mostRecent: Int?

    var isEmpty: Bool { pending.isEmpty }

    mutating func add(_ fragment: ToolCallFragment) {
        let index = fragment.index ?? inferredIndex(for: fragment)
        let slot: Int
        if let existing = pending.firstIndex(where: { $0.index == index }) {
            slot = existing
        } else {
            pending.append(Pending(index: index))
            slot = pending.count - 1
        }
        if pending[slot].id == nil, let id = fragment.id, !id.isEmpty { pending[slot].id = id }
        if pending[slot].name == nil, let name = fragment.name, !name.isEmpty { pending[slot].name = name }
        if let arguments = fragment.arguments { pending[slot].arguments += arguments }
        mostRecent = index
    }

    /// Returns every pending call, complete, in index order, and forgets them.
    mutating func drain() -> [ToolCall] {
        let calls = pending.sorted { $0.index < $1.index }.map { call in
            ToolCall(index: call.index, id: call.id ?? "call_\(call.index)", name: call.name ?? "",
                     argumentsJSON: call.arguments.isEmpty ? "{}" : call.arguments)
        }
        pending.removeAll()
        mostRecent = nil
        return calls
    }

    private func inferredIndex(for fragment: ToolCallFragment) -> Int {
        if let id = fragment.id, !id.isEmpty {
            if let known = pending.first(where: { $0.id == id }) { return known.index }
            return (pending.map(\.index).max() ?? -1) + 1
        }
        return mostRecent ?? 0
    }
}

import Foundation

/// A safe arithmetic evaluator: numbers (decimals allowed), `+ - * / ^ %`, parentheses and
/// unary minus/plus. Nothing else is evaluated: no names, functions or code.
///
/// Precedence, loosest first: `+ -`, then `* / %`, then unary `- +`, then `^` (right-associative,
/// so `2^3^2` is 512 and `-2^2` is -4). `%` is the remainder with the sign of the dividend.
/// Pure and thread-safe.
struct Calculator {
    struct Failure: Error, Equatable {
        let message: String
    }

    static let maxLength = 1_000
    static let maxDepth = 64

    private enum Token: Equatable {
        case number(Double)
        case symbol(Character)
    }

    private let tokens: [(token: Token, position: Int)]
    private var index = 0
    private var depth = 0

    /// Evaluates `expression`. - Throws: `Failure` naming the problem and its position (1-based).
    static func evaluate(_ expression: String) throws(Failure) -> Double {
        guard expression.count <= maxLength else { throw Failure(message: "the expression is longer than \(maxLength) characters") }
        var parser = Calculator(tokens: try tokenize(expression))
        guard !parser.tokens.isEmpty else { throw Failure(message: "the expression is empty") }
        let value = try parser.additive()
        if parser.index < parser.tokens.count {
            let (token, position) = parser.tokens[parser.index]
            throw Failure(message: token == .symbol(")") ? "unmatched ')' at position \(position)"
                                                         : "expected an operator at position \(position)")
        }
        guard value.isFinite else { throw Failure(message: "the result is too large to represent") }
        return value == 0 ? 0 : value  // no "-0"
    }

    /// The value as a person writes it: whole numbers without a fraction, others to 15 significant digits.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.15g", value)
    }

    private init(tokens: [(token: Token, position: Int)]) { self.tokens = tokens }

    private static func tokenize(_ text: String) throws(Failure) -> [(token: Token, position: Int)] {
        var tokens: [(token: Token, position: Int)] = []
        let characters = Array(text)
        var at = 0
        while at < characters.count {
            let character = characters[at]
            if character.isWhitespace { at += 1; continue }
            if "+-*/^%()".contains(character) {
                tokens.append((.symbol(character), at + 1))
                at += 1
                continue
            }
            guard character.isASCII, character.isNumber || character == "." else {
                throw Failure(message: "unexpected '\(character)' at position \(at + 1): only numbers, + - * / ^ %, and parentheses are allowed")
            }
            let start = at
            while at < characters.count, characters[at].isASCII, characters[at].isNumber || characters[at] == "." { at += 1 }
            let literal = String(characters[start..<at])
            guard literal.filter({ $0 == "." }).count <= 1, literal != ".", let number = Double(literal) else {
                throw Failure(message: "'\(literal)' at position \(start + 1) is not a number")
            }
            tokens.append((.number(number), start + 1))
        }
        return tokens
    }

    private var current: Token? { index < tokens.count ? tokens[index].token : nil }
    private var position: Int { index < tokens.count ? tokens[index].position : (tokens.last?.position ?? 0) + 1 }

    private mutating func additive() throws(Failure) -> Double {
        var value = try multiplicative()
        while case .symbol(let op)? = current, op == "+" || op == "-" {
            index += 1
            let right = try multiplicative()
            value = op == "+" ? value + right : value - right
        }
        return value
    }

    private mutating func multiplicative() throws(Failure) -> Double {
        var value = try unary()
        while case .symbol(let op)? = current, op == "*" || op == "/" || op == "%" {
            let at = position
            index += 1
            let right = try unary()
            switch op {
            case "*": value *= right
            case "/":
                guard right != 0 else { throw Failure(message: "division by zero at position \(at)") }
                value /= right
            default:
                guard right != 0 else { throw Failure(message: "remainder by zero at position \(at)") }
                value = fmod(value, right)
            }
        }
        return value
    }

    private mutating func unary() throws(Failure) -> Double {
        if case .symbol(let op)? = current, op == "-" || op == "+" {
            index += 1
            let operand = try nested { (parser: inout Calculator) throws(Failure) in try parser.unary() }
            return op == "-" ? -operand : operand
        }
        return try power()
    }

    private mutating func power() throws(Failure) -> Double {
        let base = try primary()
        guard case .symbol("^")? = current else { return base }
        index += 1
        let exponent = try nested { (parser: inout Calculator) throws(Failure) in try parser.unary() }
        return pow(base, exponent)
    }

    private mutating func primary() throws(Failure) -> Double {
        switch current {
        case .number(let value)?:
            index += 1
            return value
        case .symbol("(")?:
            let open = position
            index += 1
            let value = try nested { (parser: inout Calculator) throws(Failure) in try parser.additive() }
            guard case .symbol(")")? = current else { throw Failure(message: "missing ')' for the '(' at position \(open)") }
            index += 1
            return value
        case .symbol(let symbol)?:
            throw Failure(message: "expected a number at position \(position), found '\(symbol)'")
        case nil:
            throw Failure(message: "the expression ends where a number was expected")
        }
    }

    /// Bounds recursion, so a hostile expression cannot exhaust the stack.
    private mutating func nested(_ body: (inout Calculator) throws(Failure) -> Double) throws(Failure) -> Double {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw Failure(message: "the expression nests deeper than \(Self.maxDepth) levels") }
        return try body(&self)
    }
}

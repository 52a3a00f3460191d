import Foundation

/// A request's JSON object body, read field by field: each mistake is one 422 naming the field
/// (malformed JSON is 400). An empty body is an empty object.
struct JSONBody {
    /// A JSON value as the body gives it.
    enum Field: Codable {
        case string(String)
        case bool(Bool)
        case number(Double)
        case object([String: Field])
        case array([Field])
        case null

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let n = try? c.decode(Double.self) {
                self = .number(n)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else if let a = try? c.decode([Field].self) {
                self = .array(a)
            } else {
                self = .object(try c.decode([String: Field].self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .string(let s): try c.encode(s)
            case .bool(let b): try c.encode(b)
            case .number(let n): try c.encode(n)
            case .object(let o): try c.encode(o)
            case .array(let a): try c.encode(a)
            case .null: try c.encodeNil()
            }
        }
    }

    let fields: [String: Field]

    init(_ bytes: [UInt8]) throws(APIError) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            fields = [:]
            return
        }
        let parsed: Field
        do { parsed = try JSONDecoder().decode(Field.self, from: Data(bytes)) } catch {
            throw APIError.badRequest("the request body is not JSON")
        }
        guard case .object(let object) = parsed else { throw APIError.badRequest("the request body must be a JSON object") }
        fields = object
    }

    /// Refuses fields not in `known`.
    func only(_ known: [String]) throws(APIError) {
        for name in fields.keys.sorted() where !known.contains(name) {
            throw APIError.invalid("unknown field '\(name)'; fields: \(known.joined(separator: ", "))")
        }
    }

    func string(_ name: String, required: Bool = false) throws(APIError) -> String? {
        switch fields[name] {
        case nil, .null?:
            if required { throw APIError.invalid("field '\(name)' is required") }
            return nil
        case .string(let s)?: return s
        default: throw APIError.invalid("field '\(name)' must be a string")
        }
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        switch fields[name] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw APIError.invalid("field '\(name)' must be true or false")
        }
    }

    /// A nested object as JSON (`{}` when absent).
    func object(_ name: String) throws(APIError) -> Data {
        switch fields[name] {
        case nil, .null?: return Data("{}".utf8)
        case .object(let o)?: return (try? JSONEncoder().encode(o)) ?? Data("{}".utf8)
        default: throw APIError.invalid("field '\(name)' must be an object")
        }
    }
}

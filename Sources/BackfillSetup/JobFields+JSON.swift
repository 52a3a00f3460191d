public import Foundation

extension JobFields.Value: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let t = try? c.decode(String.self) {
            self = .text(t)
        } else if let l = try? c.decode([String].self) {
            self = .list(l)
        } else {
            self = .map(try c.decode([String: String].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let t): try c.encode(t)
        case .number(let n): try c.encode(n)
        case .bool(let b): try c.encode(b)
        case .list(let l): try c.encode(l)
        case .map(let m): try c.encode(m)
        }
    }
}

extension JobFields {
    /// Any JSON object key.
    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// The fields of a JSON object, each checked alone so a bad one is named.
    struct Object: Decodable {
        var values: [String: Value] = [:]
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for key in c.allKeys {
                do { values[key.stringValue] = try c.decode(Value.self, forKey: key) } catch {
                    throw SetupError.usage(
                        "field '\(key.stringValue)' must be a string, number, true or false, a list of strings or an object of strings")
                }
            }
        }
    }

    /// Parses a JSON object of fields for `job` (`{"timeframes": ["1d"], "days": 30}`).
    ///
    /// - Throws: ``SetupError`` (usage): not a JSON object, or a bad field.
    public init(job: Job, json: Data) throws(SetupError) {
        let object: Object
        do {
            object = try JSONDecoder().decode(Object.self, from: json.isEmpty ? Data("{}".utf8) : json)
        } catch let error as SetupError {
            throw error
        } catch {
            throw .usage("the body must be a JSON object of fields (\(Self.names(job).joined(separator: ", ")))")
        }
        try self.init(job: job, fields: object.values)
    }

    /// The fields as a JSON object's text, keys sorted.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(fields)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

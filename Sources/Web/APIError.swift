import Alarming
import Hummingbird

/// Why a REST request was refused. Each case becomes `{"error":{"field":…,"message":…}}` with its
/// status code, so an integrator sees which field to fix; `field` is null when no single field is
/// at fault.
enum APIError: Error, Equatable, HTTPResponseError, CustomStringConvertible {
    /// 400: the request is malformed or a field has a wrong value.
    case invalid(field: String?, message: String)
    /// 404: the thing named in the path (or a field) does not exist.
    case notFound(field: String?, message: String)
    /// 409: the request conflicts with the current state (ended alarm, duplicate name, phone in use).
    case conflict(field: String?, message: String)
    /// 413: the body is larger than the API accepts.
    case tooLarge(limit: Int)
    /// 503: the journal or directory could not be read or written.
    case unavailable(message: String)

    var status: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        }
    }

    var field: String? {
        switch self {
        case .invalid(let field, _), .notFound(let field, _), .conflict(let field, _): field
        case .tooLarge, .unavailable: nil
        }
    }

    var message: String {
        switch self {
        case .invalid(_, let message), .notFound(_, let message), .conflict(_, let message), .unavailable(let message): message
        case .tooLarge(let limit): "the request body is larger than \(limit) bytes"
        }
    }

    var description: String { (field.map { "\($0): " } ?? "") + message }

    var body: JSONValue {
        .object([("error", .object([("field", .optional(field)), ("message", .string(message))]))])
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(body, status: status)
    }

    /// Maps the directory's refusals onto HTTP, keeping their field names.
    static func from(_ error: DirectoryError) -> APIError {
        switch error {
        case .notFound: .notFound(field: nil, message: error.description)
        case .alreadyExists(_, let field, _): .conflict(field: field, message: error.description)
        case .invalid(let field, _): .invalid(field: field, message: error.description)
        case .inUse: .conflict(field: nil, message: error.description)
        }
    }

    /// Runs a directory or journal call, turning its errors into API errors. Anything that is not a
    /// refusal with a reason is a storage fault: 503, so clients retry rather than give up.
    static func guarding<T>(_ operation: () async throws -> T) async throws(APIError) -> T {
        do {
            return try await operation()
        } catch let error as APIError {
            throw error
        } catch let error as DirectoryError {
            throw .from(error)
        } catch let error as AlarmServiceError {
            switch error {
            case .notFound: throw .notFound(field: "id", message: error.description)
            case .alreadyEnded, .referenceStillOpen: throw .conflict(field: "id", message: error.description)
            }
        } catch {
            throw .unavailable(message: "storage failed: \(error)")
        }
    }
}

/// Builds JSON responses with the API's content type.
enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        let buffer = ByteBuffer(string: value.serialized)
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }
}

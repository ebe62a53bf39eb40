import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP listener on 127.0.0.1 for webhook tests: it answers each request with the next status of a
/// script (the last one repeats) and records what it received.
public final class WebhookListener: Sendable {
    /// One request as received.
    public struct Request: Sendable {
        public var head: String
        public var body: String
    }

    public let port: Int
    private let socket: Int32
    private let received = Mutex<[Request]>([])

    /// Starts listening; `statuses` are the answers in order, `delay` how long to wait before each answer.
    public init(statuses: [Int], delay: Duration = .zero) throws {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = descriptor
        let thread = Thread { [self] in self.serve(statuses: statuses, delay: delay) }
        thread.start()
    }

    /// The requests received so far.
    public var requests: [Request] { received.withLock { $0 } }

    /// Stops accepting (the thread ends at its next accept).
    public func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func serve(statuses: [Int], delay: Duration) {
        var index = 0
        while true {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { return }
            let request = Self.read(client)
            received.withLock { $0.append(request) }
            let status = statuses[min(index, statuses.count - 1)]
            index += 1
            if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.seconds)) }
            let body = "{\"ok\":\(status < 300)}"
            let answer =
                "HTTP/1.1 \(status) Status\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)"
            _ = answer.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    /// Reads a request's head and as much body as its Content-Length says.
    private static func read(_ client: Int32) -> Request {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(client, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            let text = String(decoding: bytes, as: UTF8.self)
            guard let split = text.range(of: "\r\n\r\n") else { continue }
            let head = String(text[..<split.lowerBound])
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            let body = String(text[split.upperBound...])
            if body.utf8.count >= length { return Request(head: head, body: body) }
        }
        return Request(head: String(decoding: bytes, as: UTF8.self), body: "")
    }
}

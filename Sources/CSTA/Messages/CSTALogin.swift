/// The credentials carried in `StartApplicationSession/applicationInfo/applicationSpecificInfo`.
/// Their shape is vendor-specific (csta.md §6, §7).
public enum CSTALogin: Sendable, Hashable, CustomStringConvertible {
    /// ECSS-10's `<ns1:SessionLoginInfo xmlns:ns1="http://www.eltex.org/csta">`: userName is most
    /// likely the ECSS domain, password that domain's CSTA password.
    case eltex(userName: String, password: String)
    /// Uni-tel's `vendorData:userID`, `vendorData:password` and `vendorData:pbxDomain`
    /// (`<number>.pbx.<provider>`).
    case uniTel(userID: String, password: String, pbxDomain: String)
    /// No `applicationSpecificInfo` at all.
    case none

    public static let eltexNamespace = "http://www.eltex.org/csta"

    /// Never shows the password, so a login can be logged.
    public var description: String {
        switch self {
        case .eltex(let userName, _): "Eltex login '\(userName)'"
        case .uniTel(let userID, _, let pbxDomain): "Uni-tel login '\(userID)' on \(pbxDomain)"
        case .none: "no login"
        }
    }

    func write(to writer: inout CSTAXMLWriter) {
        switch self {
        case .eltex(let userName, let password):
            writer.open("applicationSpecificInfo")
            writer.open("ns1:SessionLoginInfo", attributes: [("xmlns:ns1", Self.eltexNamespace)])
            writer.element("ns1:userName", userName)
            writer.element("ns1:password", password)
            writer.close("ns1:SessionLoginInfo")
            writer.close("applicationSpecificInfo")
        case .uniTel(let userID, let password, let pbxDomain):
            // The namespace URI bound to `vendorData` is undocumented (csta.md §10, question 4), and
            // the server maps XML onto the JSON keys `vendorData:userID` and so on, so the prefix is
            // written unbound, exactly as those keys read.
            writer.open("applicationSpecificInfo")
            writer.element("vendorData:userID", userID)
            writer.element("vendorData:password", password)
            writer.element("vendorData:pbxDomain", pbxDomain)
            writer.close("applicationSpecificInfo")
        case .none:
            break
        }
    }
}

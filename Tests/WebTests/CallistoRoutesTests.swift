import Alarming
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Web

@Suite("Callisto compatibility surface")
struct CallistoRoutesTests {
    static func status(_ call: String, _ status: String) -> String {
        "<Callisto>\n  <Request>\(call)</Request>\n  <Response>\(status)</Response>\n</Callisto>\n"
    }

    static func identified(_ call: String, id: Int64?, _ status: String) -> String {
        let idLine = id.map { "    <id>\($0)</id>\n" } ?? ""
        return "<Callisto>\n  <Request>\(call)</Request>\n  <Response>\n\(idLine)    <status>\(status)</status>\n  </Response>\n</Callisto>\n"
    }

    static let form: HTTPFields = HTTP.merged(HTTP.admin, [.contentType: "application/x-www-form-urlencoded"])

    @Test func groupsAreAddedEditedListedAndDeletedAsInTheManual() async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let added = try await client.execute(uri: "/rest/groups/addGroup.asp", method: .post, headers: Self.form, body: HTTP.json("gr_name=Ward+3&gr_number=12"))
                #expect(added.status == .ok)
                #expect(added.headers[.contentType] == "text/xml; charset=utf-8")
                #expect(added.text == Self.identified("addGroup", id: 1, "OK"))

                let duplicate = try await client.execute(uri: "/rest/groups/addGroup?gr_name=Ward%203&gr_number=99", method: .get, headers: HTTP.admin)
                #expect(duplicate.text == Self.identified("addGroup", id: nil, "ALREADY_EXISTS"))
                let missing = try await client.execute(uri: "/rest/groups/addGroup?gr_name=Ward%209", method: .get, headers: HTTP.admin)
                #expect(missing.text == Self.identified("addGroup", id: nil, "PARAMETER_MISSING"))
                let badRule = try await client.execute(uri: "/rest/groups/addGroup?gr_name=W&gr_number=5&gr_rule=most", method: .get, headers: HTTP.admin)
                #expect(badRule.text == Self.identified("addGroup", id: nil, "INVALID_PARAMETERS"))

                let edited = try await client.execute(uri: "/rest/groups/editGroup.asp", method: .post, headers: Self.form, body: HTTP.json("gr_id=1&gr_name=Ward+3+%26+4&gr_repetitions=3"))
                #expect(edited.text == Self.identified("editGroup", id: 1, "OK"))
                #expect(try await world.store.directory.group(id: 1)?.name == "Ward 3 & 4")
                #expect(try await world.store.directory.group(id: 1)?.repetitions == 3)
                let editUnknown = try await client.execute(uri: "/rest/groups/editGroup?gr_id=45", method: .post, headers: HTTP.admin)
                #expect(editUnknown.text == Self.identified("editGroup", id: 45, "INVALID_GROUP_ID"))

                let listed = try await client.execute(uri: "/rest/groups/getGroups.asp?gr_name=ward", method: .get, headers: HTTP.admin)
                #expect(listed.text == """
                    <Callisto>
                      <Request>getGroups</Request>
                      <Response>
                        <group>
                          <id>1</id>
                          <name>Ward 3 &amp; 4</name>
                          <number>12</number>
                          <rule>any</rule>
                          <repetitions>3</repetitions>
                          <repeatInterval>30</repeatInterval>
                        </group>
                      </Response>
                    </Callisto>

                    """)
                let none = try await client.execute(uri: "/rest/groups/getGroups?gr_name=theatre", method: .get, headers: HTTP.admin)
                #expect(none.text == "<Callisto>\n  <Request>getGroups</Request>\n  <Response></Response>\n</Callisto>\n")

                let deleteMissing = try await client.execute(uri: "/rest/groups/deleteGroup.asp", method: .post, headers: Self.form, body: HTTP.json(""))
                #expect(deleteMissing.text == Self.identified("deleteGroup", id: nil, "PARAMETER_MISSING"))
                let deleteUnknown = try await client.execute(uri: "/rest/groups/deleteGroup?gr_id=7", method: .get, headers: HTTP.admin)
                #expect(deleteUnknown.text == Self.identified("deleteGroup", id: 7, "INVALID_GROUP_ID"))
                let deleted = try await client.execute(uri: "/rest/groups/deleteGroup.asp", method: .post, headers: Self.form, body: HTTP.json("gr_id=1"))
                #expect(deleted.text == Self.identified("deleteGroup", id: 1, "OK"))
                #expect(try await world.store.directory.groups().isEmpty)

                let unknownCall = try await client.execute(uri: "/rest/groups/renameGroup.asp", method: .get, headers: HTTP.admin)
                #expect(unknownCall.status == .notFound)
            }
        }
    }

    @Test func membersAreAddedOrderedAndGivenPresence() async throws {
        try await withWorld { world in
            let directory = world.store.directory
            let phoneA = try await directory.createPhone(Phone(name: "DECT 1071", driver: "webhook", address: "1071"))
            let phoneB = try await directory.createPhone(Phone(name: "DECT 1072", driver: "webhook", address: "1072"))
            let group = try await directory.createGroup(Group(number: "64", name: "Theatre"))
            try await world.application.test(.router) { client in
                func call(_ path: String, _ form: String) async throws -> String {
                    try await client.execute(uri: "/rest/members/\(path)", method: .post, headers: Self.form, body: HTTP.json(form)).text
                }
                #expect(try await call("addMember.asp", "gr_id=\(group.id)&usr_Name=maria.santos&mb_number=1071&gm_shortName=Mar") == Self.identified("addMember", id: 1, "OK"))
                #expect(try await call("addMember.asp", "gr_id=\(group.id)&usr_Name=chiyo.fujimoto&mb_number=DECT+1072") == Self.identified("addMember", id: 2, "OK"))
                #expect(try await call("addMember", "gr_id=\(group.id)&usr_Name=maria.santos&mb_number=1071") == Self.identified("addMember", id: 1, "ALREADY_EXISTS"))
                #expect(try await call("addMember", "gr_id=\(group.id)&usr_Name=x&mb_number=9999") == Self.identified("addMember", id: nil, "INVALID_PARAMETERS"))
                #expect(try await call("addMember", "gr_id=99&usr_Name=x&mb_number=1071") == Self.identified("addMember", id: nil, "INVALID_GROUP_ID"))
                #expect(try await call("addMember", "gr_id=\(group.id)&usr_Name=x") == Self.identified("addMember", id: nil, "PARAMETER_MISSING"))
                #expect(try await directory.group(id: group.id)?.memberIDs == [1, 2])
                #expect(try await directory.member(id: 2)?.phoneID == phoneB.id)

                #expect(try await call("reorderMembers.asp", "mb_id=2&gr_id=\(group.id)&move=up") == Self.status("reorderMembers", "OK"))
                #expect(try await directory.group(id: group.id)?.memberIDs == [2, 1])
                #expect(try await call("reorderMembers", "mb_id=2&gr_id=\(group.id)&move=sideways") == Self.status("reorderMembers", "INVALID_PARAMETERS"))
                #expect(try await call("reorderMembers", "mb_id=2&gr_id=\(group.id)") == Self.status("reorderMembers", "PARAMETER_MISSING"))

                #expect(try await call("orderByUserList.asp", "gr_id=\(group.id)&usr_list=maria.santos,chiyo.fujimoto") == Self.status("orderByUserList", "OK"))
                #expect(try await directory.group(id: group.id)?.memberIDs == [1, 2])
                #expect(try await call("orderByUserList", "gr_id=\(group.id)&usr_list=maria.santos") == Self.status("orderByUserList", "INVALID_PARAMETERS"))
                #expect(try await call("orderByUserList", "gr_id=\(group.id)") == Self.status("orderByUserList", "PARAMETER_MISSING"))

                #expect(try await call("setPresence.asp", "mb_id=1&presenceState=1&presenceMessage=Out%20for%20lunch") == Self.status("setPresence", "OK"))
                let maria = try #require(try await directory.member(id: 1))
                #expect(maria.presence == .away)
                #expect(maria.presenceMessage == "Out for lunch")
                #expect(try await call("setPresence", "usr_Name=chiyo.fujimoto&presenceState=4") == Self.status("setPresence", "OK"))
                #expect(try await directory.member(id: 2)?.presence == .dnd)
                #expect(try await call("setPresence", "mb_id=1&presenceState=2") == Self.status("setPresence", "INVALID_STATE"))
                #expect(try await call("setPresence", "mb_id=1") == Self.status("setPresence", "PARAMETER_MISSING"))
                #expect(try await call("setPresence", "mb_id=77&presenceState=0") == Self.status("setPresence", "INVALID_MEMBER_ID"))
                #expect(try await call("setPresence", "presenceState=0") == Self.status("setPresence", "PARAMETER_MISSING"))

                #expect(try await call("editMember.asp", "mb_id=1&gm_shortName=Ros&mb_number=1072") == Self.status("editMember", "OK"))
                #expect(try await directory.member(id: 1)?.name == "Ros")
                #expect(try await directory.member(id: 1)?.phoneID == phoneB.id)
                #expect(try await call("editMember", "usr_Name=nobody&gm_shortName=X") == Self.status("editMember", "INVALID_MEMBER_ID"))
                _ = phoneA

                let members = try await client.execute(uri: "/rest/members/getMembers.asp?gr_id=\(group.id)&usr_Name=chiyo.fujimoto", method: .get, headers: HTTP.admin)
                #expect(members.text == """
                    <Callisto>
                      <Request>getMembers</Request>
                      <Response>
                        <member>
                          <id>2</id>
                          <userName>chiyo.fujimoto</userName>
                          <shortName>chiyo.fujimoto</shortName>
                          <number>1072</number>
                          <grId>\(group.id)</grId>
                          <index>2</index>
                          <userState>4</userState>
                          <statusMessage></statusMessage>
                        </member>
                      </Response>
                    </Callisto>

                    """)

                // Removing from one group keeps the member; without gr_id it is deleted.
                #expect(try await call("deleteMember.asp", "mb_id=2&gr_id=\(group.id)") == Self.status("deleteMember", "OK"))
                #expect(try await directory.group(id: group.id)?.memberIDs == [1])
                #expect(try await directory.member(id: 2) != nil)
                #expect(try await call("deleteMember", "usr_Name=chiyo.fujimoto") == Self.status("deleteMember", "OK"))
                #expect(try await directory.member(id: 2) == nil)
                #expect(try await call("deleteMember", "mb_id=2") == Self.status("deleteMember", "INVALID_MEMBER_ID"))
                #expect(try await call("deleteMember", "") == Self.status("deleteMember", "PARAMETER_MISSING"))
            }
        }
    }

    @Test func xmlTextIsEscaped() {
        #expect(CallistoXML.escape(#"<a href="x">&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;")
        #expect(CallistoXML.escape("bell\u{07}tab\tline\n") == "bell\u{FFFD}tab\tline\n")
        let document = CallistoXML.document(request: "getGroups", response: [.element("group", [.text("name", "</name><evil/>")])])
        #expect(document.contains("<name>&lt;/name&gt;&lt;evil/&gt;</name>"))
    }

    @Test(arguments: [
        ("a=1&b=two+words&c=%C3%A9t%C3%A9", ["a": "1", "b": "two words", "c": "été"]),
        ("msg=100%25+sure&bad=%zz&end=%4", ["msg": "100% sure", "bad": "%zz", "end": "%4"]),
        ("flag&=ignored&x=", ["flag": "", "x": ""]),
    ])
    func formParametersArePercentDecoded(encoded: String, expected: [String: String]) {
        var parameters = FormParameters()
        parameters.merge(encoded)
        #expect(parameters.values == expected)
    }
}

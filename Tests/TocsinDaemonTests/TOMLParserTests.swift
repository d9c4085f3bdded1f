import Testing
@testable import TocsinDaemon

@Suite("TOML: valid documents")
struct TOMLParserTests {
    @Test("an empty file, blank lines and comments make an empty table")
    func emptyDocuments() throws {
        #expect(try TOML.parse("").entries.isEmpty)
        #expect(try TOML.parse("\n\n  \t\n").entries.isEmpty)
        #expect(try TOML.parse("# only a comment").entries.isEmpty)
        #expect(try TOML.parse("# comment\n\t# indented comment\n").entries.isEmpty)
    }

    @Test("bare, quoted and dotted keys, with their lines")
    func keys() throws {
        let table = try TOML.parse("""
            bare_key-1 = 1
            "quoted key" = 2
            'literal "key"' = 3
            "" = 4
            a . b.  "c d" = 5
            1234 = 6
            """)
        #expect(table.keys == ["bare_key-1", "quoted key", "literal \"key\"", "", "a", "1234"])
        #expect(table["bare_key-1"]?.line == 1)
        #expect(table[""]?.value == TOMLValue(content: .integer(4), line: 4))
        #expect(table.content(at: "a.b.c d") == .integer(5))
        #expect(table["a"]?.line == 5)
        #expect(table["1234"]?.value.content == .integer(6))
    }

    @Test("a dotted key in a quoted part keeps the dot")
    func quotedDot() throws {
        let table = try TOML.parse(#"site."google.com" = true"#)
        guard case .table(let site)? = table["site"]?.value.content else {
            Issue.record("site is not a table")
            return
        }
        #expect(site.keys == ["google.com"])
        #expect(site["google.com"]?.value.content == .boolean(true))
    }

    @Test("basic strings and every escape")
    func basicStrings() throws {
        let table = try TOML.parse(#"""
            plain = "I'm a string."
            escapes = "\b\t\n\f\r\"\\"
            unicode = "\u00E9\U0001F514"
            tab = "a	b"
            utf8 = "Zimmer 12 – Bett 1 🔔"
            empty = ""
            """#)
        #expect(table.content(at: "plain") == .string("I'm a string."))
        #expect(table.content(at: "escapes") == .string("\u{8}\t\n\u{C}\r\"\\"))
        #expect(table.content(at: "unicode") == .string("é🔔"))
        #expect(table.content(at: "tab") == .string("a\tb"))
        #expect(table.content(at: "utf8") == .string("Zimmer 12 – Bett 1 🔔"))
        #expect(table.content(at: "empty") == .string(""))
    }

    @Test("literal strings take backslashes as they are")
    func literalStrings() throws {
        let table = try TOML.parse(#"""
            path = 'C:\Users\nodejs\templates'
            regex = '<\i\c*\s*>'
            quoted = 'Tom "Dubs" Preston'
            """#)
        #expect(table.content(at: "path") == .string(#"C:\Users\nodejs\templates"#))
        #expect(table.content(at: "regex") == .string(#"<\i\c*\s*>"#))
        #expect(table.content(at: "quoted") == .string(#"Tom "Dubs" Preston"#))
    }

    @Test("multi-line basic strings: first newline trimmed, line-ending backslash, quotes inside")
    func multilineBasicStrings() throws {
        let table = try TOML.parse(#"""
            a = """
            Roses are red
            Violets are blue"""
            b = """\
                The quick brown \
                fox."""
            c = """Here are two quotation marks: "". Simple enough."""
            d = """Here are three quotation marks: ""\"."""
            e = """"This," she said, "is just a pointless statement.""""
            f = """\u0041\tB"""
            after = 1
            """#)
        #expect(table.content(at: "a") == .string("Roses are red\nViolets are blue"))
        #expect(table.content(at: "b") == .string("The quick brown fox."))
        #expect(table.content(at: "c") == .string(#"Here are two quotation marks: "". Simple enough."#))
        #expect(table.content(at: "d") == .string(#"Here are three quotation marks: """."#))
        #expect(table.content(at: "e") == .string(#""This," she said, "is just a pointless statement.""#))
        #expect(table.content(at: "f") == .string("A\tB"))
        #expect(table["b"]?.line == 4)
        // The lines inside multi-line strings are counted.
        #expect(table["c"]?.line == 7)
        #expect(table["after"]?.line == 11)
    }

    @Test("a line-ending backslash may be followed by spaces and swallows blank lines")
    func lineEndingBackslashWithSpaces() throws {
        let table = try TOML.parse("s = \"\"\"one \\  \n\n   two\"\"\"\nnext = 2")
        #expect(table.content(at: "s") == .string("one two"))
        #expect(table["next"]?.line == 4)
    }

    @Test("multi-line literal strings")
    func multilineLiteralStrings() throws {
        let table = try TOML.parse(#"""
            regex = '''I [dw]on't need \d{2} apples'''
            lines = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            quotes = ''''That,' she said, 'is still pointless.''''
            """#)
        #expect(table.content(at: "regex") == .string(#"I [dw]on't need \d{2} apples"#))
        #expect(table.content(at: "lines") == .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"))
        #expect(table.content(at: "quotes") == .string("'That,' she said, 'is still pointless.'"))
    }

    @Test("integers: signs, underscores, hexadecimal, octal, binary, 64-bit limits")
    func integers() throws {
        let table = try TOML.parse("""
            a = +99
            b = 42
            c = 0
            d = -17
            e = 1_000
            f = 5_349_221
            g = 1_2_3_4_5
            h = 0xDEADBEEF
            i = 0xdead_beef
            j = 0o01234567
            k = 0o755
            l = 0b11010110
            m = 9223372036854775807
            n = -9223372036854775808
            o = +0
            p = -0
            q = 0x7FFFFFFFFFFFFFFF
            r = 0x00_ff
            """)
        let expected: [(String, Int64)] = [
            ("a", 99), ("b", 42), ("c", 0), ("d", -17), ("e", 1000), ("f", 5_349_221), ("g", 12345),
            ("h", 0xDEAD_BEEF), ("i", 0xDEAD_BEEF), ("j", 0o1234567), ("k", 0o755), ("l", 0b1101_0110),
            ("m", .max), ("n", .min), ("o", 0), ("p", 0), ("q", .max), ("r", 255),
        ]
        for (key, value) in expected {
            #expect(table.content(at: key) == .integer(value), "key \(key)")
        }
    }

    @Test("floats: fractions, exponents, underscores, inf and nan")
    func floats() throws {
        let table = try TOML.parse("""
            a = +1.0
            b = 3.1415
            c = -0.01
            d = 5e+22
            e = 1e06
            f = -2E-2
            g = 6.626e-34
            h = 224_617.445_991_228
            i = inf
            j = +inf
            k = -inf
            l = nan
            m = -0.0
            n = 0e0
            """)
        let expected: [(String, Double)] = [
            ("a", 1.0), ("b", 3.1415), ("c", -0.01), ("d", 5e22), ("e", 1e6), ("f", -2e-2), ("g", 6.626e-34),
            ("h", 224_617.445_991_228), ("i", .infinity), ("j", .infinity), ("k", -.infinity), ("m", -0.0), ("n", 0),
        ]
        for (key, value) in expected {
            #expect(table.content(at: key) == .float(value), "key \(key)")
        }
        guard case .float(let notANumber)? = table.content(at: "l") else {
            Issue.record("nan is not a float")
            return
        }
        #expect(notANumber.isNaN)
        guard case .float(let negativeZero)? = table.content(at: "m") else { return }
        #expect(negativeZero.sign == .minus)
    }

    @Test("booleans")
    func booleans() throws {
        let table = try TOML.parse("yes = true\nno = false")
        #expect(table.content(at: "yes") == .boolean(true))
        #expect(table.content(at: "no") == .boolean(false))
    }

    @Test("arrays: mixed, nested, multi-line with comments and a trailing comma")
    func arrays() throws {
        let table = try TOML.parse("""
            integers = [ 1, 2, 3 ]
            empty = []
            nested = [ [ 1, 2 ], ["a", 'b'] ]
            mixed = [ 0.1, "x", true, { k = 1 } ]
            long = [
              1,   # one
              2,
              # a comment line
              3,
            ]
            after = "x"
            """)
        func int(_ value: Int64, _ line: Int) -> TOMLValue { TOMLValue(content: .integer(value), line: line) }
        #expect(table.content(at: "integers") == .array([int(1, 1), int(2, 1), int(3, 1)]))
        #expect(table.content(at: "empty") == .array([]))
        #expect(table.content(at: "nested") == .array([
            TOMLValue(content: .array([int(1, 3), int(2, 3)]), line: 3),
            TOMLValue(content: .array([TOMLValue(content: .string("a"), line: 3), TOMLValue(content: .string("b"), line: 3)]), line: 3),
        ]))
        #expect(table.content(at: "mixed") == .array([
            TOMLValue(content: .float(0.1), line: 4),
            TOMLValue(content: .string("x"), line: 4),
            TOMLValue(content: .boolean(true), line: 4),
            TOMLValue(content: .table(TOMLTable(entries: [.init(key: "k", line: 4, value: int(1, 4))])), line: 4),
        ]))
        // Each element remembers its own line.
        #expect(table.content(at: "long") == .array([int(1, 6), int(2, 7), int(3, 9)]))
        #expect(table["long"]?.value.line == 5)
        #expect(table["after"]?.line == 11)
    }

    @Test("inline tables, with dotted keys inside")
    func inlineTables() throws {
        let table = try TOML.parse("""
            name = { first = "Tom", last = "Preston-Werner" }
            point = {x=1,y=2}
            empty = {}
            animal = { type.name = "pug", type.size = "small" }
            """)
        #expect(table.content(at: "name.first") == .string("Tom"))
        #expect(table.content(at: "name.last") == .string("Preston-Werner"))
        #expect(table.content(at: "point.y") == .integer(2))
        #expect(table.content(at: "empty") == .table(TOMLTable()))
        #expect(table.content(at: "animal.type.name") == .string("pug"))
        #expect(table.content(at: "animal.type.size") == .string("small"))
    }

    @Test("tables: headers, spaces in headers, implicit parents defined later, sub-tables of dotted tables")
    func tables() throws {
        let table = try TOML.parse("""
            top = 0
            [ a . b ]
            x = 1
            [a]
            y = 2
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true
            [fruit.apple.texture]
            smooth = true
            ["quoted header".'inner']
            z = 3
            """)
        #expect(table.keys == ["top", "a", "fruit", "quoted header"])
        #expect(table.content(at: "a.b.x") == .integer(1))
        #expect(table.content(at: "a.y") == .integer(2))
        // An implicit table takes the line of the header that finally defines it.
        #expect(table["a"]?.value.line == 4)
        #expect(table.value(at: "a.b")?.line == 2)
        #expect(table.content(at: "fruit.apple.color") == .string("red"))
        #expect(table.content(at: "fruit.apple.taste.sweet") == .boolean(true))
        #expect(table.content(at: "fruit.apple.texture.smooth") == .boolean(true))
        #expect(table.content(at: "quoted header.inner.z") == .integer(3))
    }

    @Test("arrays of tables, with sub-tables of their last element")
    func arraysOfTables() throws {
        let table = try TOML.parse("""
            [[users]]
            name = "admin"

            [[users]]

            [[users]]
            name = "anna"
            [users.profile]
            ward = 3
            """)
        guard case .array(let users)? = table.content(at: "users") else {
            Issue.record("users is not an array")
            return
        }
        #expect(table["users"]?.line == 1)
        #expect(users.map(\.line) == [1, 4, 6])
        #expect(users[0].content == .table(TOMLTable(entries: [.init(key: "name", line: 2, value: TOMLValue(content: .string("admin"), line: 2))])))
        #expect(users[1].content == .table(TOMLTable()))
        guard case .table(let anna) = users[2].content else { return }
        #expect(anna.content(at: "name") == .string("anna"))
        #expect(anna.content(at: "profile.ward") == .integer(3))
    }

    @Test("CRLF line ends, a byte order mark, tabs and no final newline")
    func lineEndsAndWhitespace() throws {
        let table = try TOML.parse("\u{FEFF}# comment\r\n[http]\r\n\tport\t=\t8080\t# tab-separated\r\nname = \"a\"")
        #expect(table.content(at: "http.port") == .integer(8080))
        #expect(table.value(at: "http.port")?.line == 3)
        #expect(table.value(at: "http.name")?.line == 4)
    }

    @Test("CRLF inside multi-line strings becomes LF")
    func crlfInMultilineString() throws {
        let table = try TOML.parse("s = \"\"\"\r\none\r\ntwo\"\"\"\r\nt = '''a\r\nb'''\r\n")
        #expect(table.content(at: "s") == .string("one\ntwo"))
        #expect(table.content(at: "t") == .string("a\nb"))
        #expect(table["t"]?.line == 4)
    }

    @Test("non-ASCII characters in comments and strings")
    func unicodeText() throws {
        let table = try TOML.parse("# Stationszimmer ÄÖÜ – 🔔\ntext = 'Notruf Zimmer 12 ✓'")
        #expect(table.content(at: "text") == .string("Notruf Zimmer 12 ✓"))
    }

    @Test("nesting up to the limit is accepted")
    func nestingLimit() throws {
        let deepKey = Array(repeating: "k", count: TOMLParser.maximumNesting)
        let table = try TOML.parse("[" + deepKey.dropLast().joined(separator: ".") + "]\nk = 1\narray = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64))
        #expect(table.content(at: deepKey.joined(separator: ".")) == .integer(1))
        #expect(table.value(at: deepKey.dropLast().joined(separator: ".") + ".array")?.line == 3)
    }
    @Test("comments and values without spaces between them; empty and quote-edged multi-line strings")
    func tightSyntax() throws {
        let table = try TOML.parse(#"""
            a=1#one
            b=true#yes
            c=[1,2]#list
            d = """"""
            e = """""""
            f = ''''''
            g = ''''''''
            "h\tkey" = "\""
              [t]#header comment
              x = 'y'
            """#)
        #expect(table.content(at: "a") == .integer(1))
        #expect(table.content(at: "b") == .boolean(true))
        #expect(table.content(at: "c") == .array([TOMLValue(content: .integer(1), line: 3), TOMLValue(content: .integer(2), line: 3)]))
        #expect(table.content(at: "d") == .string(""))
        #expect(table.content(at: "e") == .string("\""))
        #expect(table.content(at: "f") == .string(""))
        #expect(table.content(at: "g") == .string("''"))
        #expect(table.content(at: "h\tkey") == .string("\""))
        #expect(table.content(at: "t.x") == .string("y"))
        #expect(table.value(at: "t.x")?.line == 10)
    }
}

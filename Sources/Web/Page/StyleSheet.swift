/// The board's style sheet: system fonts only, because the box is offline.
enum StyleSheet {
    static let css = #"""
body { font-family: system-ui, sans-serif; }
"""#
}

/// The board's script: plain JavaScript, no framework, no external resources.
enum AppScript {
    static let javascript = #"""
"use strict";
"""#
}

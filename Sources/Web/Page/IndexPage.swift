/// The board's HTML skeleton. Every piece of alarm or directory data is filled in by `AppScript`
/// through `textContent`, so nothing from the server is ever parsed as markup.
enum IndexPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tocsin alarm board</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main id="main"><h1>Tocsin alarm board</h1></main>
<script src="/app.js" defer></script>
</body>
</html>
"""#
}

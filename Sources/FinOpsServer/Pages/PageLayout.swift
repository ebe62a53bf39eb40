import FinOpsCore
import Mustache

/// The frame of every page: navigation, the signed-in user and the styles, inline (no external assets).
///
/// The body arrives as finished HTML (`{{{body}}}`) from the page's own renderer, which escapes every value it
/// writes; the template escapes everything else.
enum PageLayout {
    struct Page {
        var title: String
        var section: String
        var body: String
        var identity: AccessIdentity?
        var csrfToken: String?
        /// Reloads the page after this many seconds (a running execution).
        var refreshSeconds: Int?
    }

    static func render(_ page: Page) -> String {
        let sections: [[String: Any]] = [
            ("pivot", "Pivot", "/pivot"), ("dashboard", "Dashboard", "/dashboard"), ("flows", "Flows", "/flows"),
            ("executions", "Executions", "/executions"),
        ].map { key, label, path in
            ["label": label, "path": path, "current": key == page.section]
        }
        var context: [String: Any] = [
            "title": page.title,
            "sections": sections,
            "body": page.body,
        ]
        if let identity = page.identity {
            context["user"] = ["name": identity.name, "role": identity.role.rawValue]
        }
        if let csrf = page.csrfToken { context["csrf"] = csrf }
        if let refresh = page.refreshSeconds { context["refresh"] = refresh }
        return template.render(context)
    }

    private static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: text)
        } catch {
            // A constant of this file; every page test renders it.
            fatalError("the page template does not parse: \(error)")
        }
    }()

    /// Colours meet WCAG AA contrast on white; focus is always visible; the layout works from 360 px up.
    static let styles = """
        :root{--ink:#1f2937;--muted:#4b5563;--line:#d1d5db;--accent:#1d4ed8;--bad:#b91c1c;--good:#15803d;--soft:#f3f4f6}
        *{box-sizing:border-box}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#fff}
        a{color:var(--accent)}
        a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f59e0b;outline-offset:1px}
        header.bar{display:flex;flex-wrap:wrap;align-items:center;gap:8px 20px;padding:10px 20px;border-bottom:1px solid var(--line);background:var(--soft)}
        header.bar .brand{font-weight:700;color:var(--ink);text-decoration:none}
        header.bar nav ul{display:flex;gap:14px;list-style:none;margin:0;padding:0}
        header.bar nav a[aria-current=page]{font-weight:700;color:var(--ink)}
        header.bar .user{margin-left:auto;color:var(--muted)}
        header.bar .user form{display:inline}
        main{padding:18px 20px 48px;max-width:1280px}
        h1{font-size:1.5em;margin:0 0 12px}
        h2{font-size:1.15em;margin:20px 0 8px}
        fieldset{border:1px solid var(--line);border-radius:6px;margin:0 0 12px;padding:8px 12px}
        legend{font-weight:600}
        label{display:block;font-size:.9em;color:var(--muted);margin:4px 0 2px}
        input[type=text],input[type=date],input[type=number],input[type=password],select,textarea{font:inherit;padding:4px 6px;border:1px solid #6b7280;border-radius:4px;min-width:10em;max-width:100%}
        textarea{width:100%;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,220px),1fr));gap:4px 14px}
        button{font:inherit;padding:5px 14px;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
        button.secondary{background:#fff;color:var(--accent)}
        .chips{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:4px 0}
        .chips li{border:1px solid var(--line);border-radius:14px;padding:2px 10px;background:var(--soft)}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:8px 0}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
        td.n,th.n{text-align:right}
        tr.total td{font-weight:650;background:var(--soft)}
        .error{border:1px solid var(--bad);color:var(--bad);border-radius:6px;padding:8px 12px;margin:8px 0;white-space:pre-wrap}
        .muted{color:var(--muted)}
        .state-SUCCESS{color:var(--good)} .state-FAILED,.state-KILLED{color:var(--bad)} .state-WARNING{color:#92400e}
        pre.source{counter-reset:line;background:var(--soft);padding:8px;overflow:auto;border-radius:6px}
        pre.source span.line{display:block}
        pre.source span.line::before{counter-increment:line;content:counter(line);display:inline-block;width:3em;color:var(--muted);text-align:right;margin-right:12px}
        pre.source span.bad{background:#fee2e2}
        svg.chart{width:100%;max-width:1000px;height:auto;display:block;font-size:12px}
        .actions{display:flex;gap:10px;align-items:center;margin:8px 0;flex-wrap:wrap}
        """

    static let text = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
        <title>{{title}} · FinOps Kestra</title>
        <style>\(styles)</style>
        </head>
        <body>
        <header class="bar">
        <a class="brand" href="/">FinOps Kestra</a>
        <nav aria-label="Sections"><ul>
        {{#sections}}<li><a href="{{path}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/sections}}
        </ul></nav>
        {{#user}}<span class="user">{{name}} ({{role}})
        <form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button class="secondary" type="submit">Sign out</button></form></span>{{/user}}
        </header>
        <main id="main">
        {{{body}}}
        </main>
        </body>
        </html>

        """
}

/// Builds page bodies; every value goes through ``markupEscaped(_:)``.
struct HTMLBuilder {
    private(set) var html = ""

    mutating func raw(_ text: String) { html += text }

    mutating func text(_ text: String) { html += markupEscaped(text) }

    /// `<tag attributes>escaped text</tag>`; attribute values are escaped.
    mutating func element(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) {
        open(tag, attributes)
        html += markupEscaped(text)
        html += "</\(tag)>"
    }

    mutating func open(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        html += "<\(tag)"
        for (name, value) in attributes { html += " \(name)=\"\(markupEscaped(value))\"" }
        html += ">"
    }

    mutating func close(_ tag: String) { html += "</\(tag)>" }

    /// A labelled text input.
    mutating func field(
        _ name: String,
        label: String,
        value: String,
        list: String? = nil,
        type: String = "text",
        help: String? = nil
    ) {
        html += "<div>"
        element("label", ["for": "field-\(name)"], text: label)
        var attributes =
            "type=\"\(type)\" id=\"field-\(name)\" name=\"\(markupEscaped(name))\" value=\"\(markupEscaped(value))\""
        if let list { attributes += " list=\"\(markupEscaped(list))\"" }
        if let help { attributes += " aria-describedby=\"help-\(name)\" title=\"\(markupEscaped(help))\"" }
        html += "<input \(attributes)>"
        if let help { html += "<div id=\"help-\(name)\" class=\"muted\" hidden>\(markupEscaped(help))</div>" }
        html += "</div>"
    }

    /// A labelled select.
    mutating func select(_ name: String, label: String, options: [(value: String, label: String)], selected: String) {
        html += "<div>"
        element("label", ["for": "field-\(name)"], text: label)
        html += "<select id=\"field-\(name)\" name=\"\(markupEscaped(name))\">"
        for option in options {
            html += "<option value=\"\(markupEscaped(option.value))\"\(option.value == selected ? " selected" : "")>"
            html += markupEscaped(option.label) + "</option>"
        }
        html += "</select></div>"
    }

    /// A datalist of suggestions.
    mutating func datalist(_ id: String, _ values: [String]) {
        html += "<datalist id=\"\(markupEscaped(id))\">"
        for value in values { html += "<option value=\"\(markupEscaped(value))\">" }
        html += "</datalist>"
    }

    /// An error box.
    mutating func error(_ message: String) {
        html += "<div class=\"error\" role=\"alert\">\(markupEscaped(message))</div>"
    }
}

import Mustache

/// The report page's Mustache template, compiled once.
///
/// Kept in the source rather than a resource file so the `finops` binary is all a report needs. Charts arrive as
/// finished SVG (`{{{ }}}`, their text already escaped); every other value is escaped by the template.
enum ReportPage {
    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: text)
        } catch {
            // The template is a constant of this file: a test renders it, so a broken one never ships.
            fatalError("the report template does not parse: \(error)")
        }
    }()

    static let text = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}: {{currency}} {{month}}</title>
        <style>
        :root{--ink:#1f2937;--muted:#4b5563;--line:#d1d5db;--accent:#1d4ed8;--up:#b91c1c;--down:#15803d;--band:#f59e0b}
        *{box-sizing:border-box}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff;margin:0}
        main{max-width:1040px;margin:0 auto;padding:24px 20px 48px}
        h1{font-size:1.7em;margin:0 0 4px}
        h2{font-size:1.2em;margin:0 0 10px}
        header p,.note{color:var(--muted);margin:0}
        section{margin-top:28px;break-inside:avoid;page-break-inside:avoid}
        .cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
        .card{flex:1 1 210px;border:1px solid var(--line);border-radius:8px;padding:12px 14px}
        .card .label{color:var(--muted);font-size:.9em}
        .card .value{font-size:1.45em;font-weight:650;font-variant-numeric:tabular-nums}
        .card.alert{border-color:var(--up)}
        .card.alert .value{color:var(--up)}
        .pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:24px}
        svg.chart{width:100%;height:auto;display:block;font-size:12px}
        svg .axis,svg .value{fill:var(--ink)}
        svg .grid{stroke:#e5e7eb}
        svg .tick,svg .baseline{stroke:var(--muted)}
        svg .actual{fill:none;stroke:var(--accent);stroke-width:2}
        svg .forecast{fill:none;stroke:#b45309;stroke-width:2;stroke-dasharray:6 4}
        svg .band{fill:var(--band);fill-opacity:.3;stroke:none}
        svg .anomaly{fill:var(--up);stroke:#fff;stroke-width:1.5}
        svg .fill{fill:var(--accent)}
        svg .up{fill:var(--up)}
        svg .down{fill:var(--down)}
        .scroll{overflow-x:auto}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        table{border-collapse:collapse;width:100%;font-size:.93em}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        thead th{background:#f3f4f6}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        tr.total td,tr.total th{font-weight:650;background:#f9fafb}
        .state-breached{color:var(--up);font-weight:650}
        .state-warning{color:#92400e;font-weight:650}
        @media print{body{font-size:11pt}main{max-width:none;padding:0}.card{border-color:#999}a{color:inherit}}
        </style>
        </head>
        <body>
        {{{pageHeader}}}
        <main>
        <header>
        <h1>{{title}}</h1>
        <p>{{month}} · amounts in {{currency}}{{#generated}} · generated {{generated}}{{/generated}}</p>
        {{#otherCurrencies}}<p class="note">Not included, billed in other currencies: {{otherCurrencies}}.</p>{{/otherCurrencies}}
        </header>

        <section aria-labelledby="headline">
        <h2 id="headline" class="visually-hidden">Headline</h2>
        <div class="cards">
        {{#headline}}
        <div class="card{{#alert}} alert{{/alert}}"><div class="label">{{label}}</div><div class="value">{{value}}</div>{{#note}}<div class="note">{{note}}</div>{{/note}}</div>
        {{/headline}}
        </div>
        </section>

        <section aria-labelledby="daily">
        <h2 id="daily">Daily cost, forecast and anomalies</h2>
        {{{dailyChart}}}
        </section>

        <section class="pair">
        <div><h2>By service</h2>{{{serviceChart}}}</div>
        <div><h2>By account</h2>{{{accountChart}}}</div>
        </section>

        {{#moversChart}}
        <section aria-labelledby="movers-heading">
        <h2 id="movers-heading">Top movers</h2>
        {{{moversChart}}}
        <div class="scroll"><table>
        <thead><tr><th scope="col">Service</th><th scope="col" class="n">Before</th><th scope="col" class="n">Now</th><th scope="col" class="n">Change</th></tr></thead>
        <tbody>{{#movers}}<tr><th scope="row">{{label}}</th><td class="n">{{previous}}</td><td class="n">{{current}}</td><td class="n">{{change}}</td></tr>{{/movers}}</tbody>
        </table></div>
        </section>
        {{/moversChart}}

        {{#hasAnomalies}}
        <section aria-labelledby="anomalies-heading">
        <h2 id="anomalies-heading">Anomalies by service</h2>
        <div class="scroll"><table>
        <thead><tr><th scope="col">Day</th><th scope="col">Service</th><th scope="col">Kind</th><th scope="col" class="n">Actual</th><th scope="col" class="n">Expected</th><th scope="col" class="n">Impact</th><th scope="col">Largest contributors</th></tr></thead>
        <tbody>{{#anomalies}}<tr><td>{{day}}</td><th scope="row">{{series}}</th><td>{{kind}}</td><td class="n">{{actual}}</td><td class="n">{{expected}}</td><td class="n">{{impact}}</td><td>{{contributors}}</td></tr>{{/anomalies}}</tbody>
        </table></div>
        </section>
        {{/hasAnomalies}}

        {{#budgetChart}}
        <section aria-labelledby="budgets-heading">
        <h2 id="budgets-heading">Budgets</h2>
        {{{budgetChart}}}
        <div class="scroll"><table>
        <thead><tr><th scope="col">Budget</th><th scope="col">Period</th><th scope="col" class="n">Amount</th><th scope="col" class="n">Actual</th><th scope="col" class="n">Forecast</th><th scope="col">State</th><th scope="col">Alerts</th></tr></thead>
        <tbody>{{#budgets}}<tr><th scope="row">{{name}}</th><td>{{period}}</td><td class="n">{{amount}}</td><td class="n">{{actual}}</td><td class="n">{{forecast}}</td><td class="state-{{state}}">{{state}}</td><td>{{alerts}}</td></tr>{{/budgets}}</tbody>
        </table></div>
        </section>
        {{/budgetChart}}

        {{#coverageChart}}
        <section aria-labelledby="coverage-heading">
        <h2 id="coverage-heading">Tag coverage</h2>
        {{{coverageChart}}}
        {{#hasUntagged}}
        <div class="scroll"><table>
        <caption>Largest untagged cost</caption>
        <thead><tr><th scope="col">Tag</th><th scope="col">Dimension</th><th scope="col">Member</th><th scope="col" class="n">Untagged cost</th></tr></thead>
        <tbody>{{#untagged}}<tr><td>{{key}}</td><td>{{dimension}}</td><th scope="row">{{value}}</th><td class="n">{{cost}}</td></tr>{{/untagged}}</tbody>
        </table></div>
        {{/hasUntagged}}
        </section>
        {{/coverageChart}}

        {{#commitmentChart}}
        <section aria-labelledby="commitments-heading">
        <h2 id="commitments-heading">Commitments</h2>
        {{{commitmentChart}}}
        <div class="scroll"><table>
        <thead><tr><th scope="col">Commitment</th><th scope="col" class="n">Used cost</th><th scope="col" class="n">Unused cost</th><th scope="col" class="n">Utilization</th><th scope="col" class="n">Savings vs list</th></tr></thead>
        <tbody>{{#commitments}}<tr><th scope="row">{{id}}</th><td class="n">{{used}}</td><td class="n">{{unused}}</td><td class="n">{{utilization}}</td><td class="n">{{savings}}</td></tr>{{/commitments}}</tbody>
        </table></div>
        </section>
        {{/commitmentChart}}

        {{#hasAllocation}}
        <section aria-labelledby="allocation-heading">
        <h2 id="allocation-heading">Showback</h2>
        <div class="scroll"><table>
        <thead><tr><th scope="col">Target</th><th scope="col" class="n">Direct</th><th scope="col" class="n">Allocated</th><th scope="col" class="n">Total</th></tr></thead>
        <tbody>{{#allocation}}<tr><th scope="row">{{target}}</th><td class="n">{{direct}}</td><td class="n">{{allocated}}</td><td class="n">{{amount}}</td></tr>{{/allocation}}</tbody>
        </table></div>
        </section>
        {{/hasAllocation}}

        {{#pivots}}
        <section>
        <div class="scroll"><table>
        <caption>{{title}}</caption>
        <thead><tr>{{#header}}<th scope="col"{{#numeric}} class="n"{{/numeric}}>{{text}}</th>{{/header}}</tr></thead>
        <tbody>{{#rows}}<tr{{#total}} class="total"{{/total}}>{{#cells}}{{#header}}<th scope="row">{{text}}</th>{{/header}}{{^header}}<td{{#numeric}} class="n"{{/numeric}}>{{text}}</td>{{/header}}{{/cells}}</tr>{{/rows}}</tbody>
        </table></div>
        </section>
        {{/pivots}}
        </main>
        </body>
        </html>

        """
}

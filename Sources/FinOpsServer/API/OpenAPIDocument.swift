/// The OpenAPI 3.1 description of `/api/v1`, `/health` and `/metrics`, served at `/api/v1/openapi.yaml`.
///
/// Kept in the source so the `finops` binary is all a server needs; the server's tests call every operation it
/// lists and check the answers against it, and `.ci/run` fuzzes it with schemathesis.
public enum OpenAPIDocument {
    /// The document.
    public static let yaml = """
        openapi: 3.1.0
        info:
          title: FinOps Kestra server
          version: 1.0.0
          description: >-
            Pivots over the stored FOCUS cost data, the stored periods, the cost report, and Kestra-syntax flows
            with their executions. Amounts are JSON strings with every digit. Errors are
            {"error": {"code", "message"}}.
        servers:
          - url: /
        security:
          - bearer: []
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [code, message]
                  properties:
                    code: {type: string}
                    message: {type: string}
            PivotDefinition:
              type: object
              required: [rows]
              additionalProperties: false
              properties:
                rows: {type: string, description: "Row dimensions, e.g. ServiceName, tag(team), month(ChargePeriodStart)"}
                columns: {type: [string, "null"]}
                measures: {type: [string, "null"], description: "e.g. sum(EffectiveCost), count(); null for count()"}
                filter: {type: [string, "null"], description: "e.g. ChargeCategory = 'Usage'"}
                having: {type: [string, "null"]}
                top: {type: [string, "null"], description: "N or N:MEASURE"}
                sort: {type: [string, "null"]}
                limit: {type: [integer, "null"], minimum: 0}
                totals: {enum: [none, grand, all, null]}
                timeZone: {type: [string, "null"], minLength: 1, description: "An IANA zone; null for UTC"}
            PivotResult:
              type: object
              required: [rows, columns, measures, cells]
              properties:
                rows: {type: array, items: {type: string}}
                columns: {type: array, items: {type: string}}
                measures: {type: array, items: {type: string}}
                cells:
                  type: array
                  items:
                    type: object
                    required: [rows, columns, values, total]
                    properties:
                      rows: {type: array, items: {type: [string, "null"]}}
                      columns: {type: array, items: {type: [string, "null"]}}
                      values:
                        type: object
                        additionalProperties: {type: [string, integer, "null"]}
                      total: {type: boolean}
            Period:
              type: object
              required: [source, period, rows, checksum, loadedAt, totals]
              properties:
                source: {type: string}
                period: {type: string}
                rows: {type: integer}
                checksum: {type: string}
                loadedAt: {type: string}
                totals:
                  type: array
                  items:
                    type: object
                    required: [currency, rows, billedCost, effectiveCost, listCost, contractedCost]
                    properties:
                      currency: {type: string}
                      rows: {type: integer}
                      billedCost: {type: string}
                      effectiveCost: {type: string}
                      listCost: {type: string}
                      contractedCost: {type: string}
            Problem:
              type: object
              required: [line, column, code, message]
              properties:
                line: {type: integer}
                column: {type: integer}
                code: {type: string}
                message: {type: string}
            Execution:
              type: object
              required: [id, namespace, flowId, state, startDate, endDate, startedBy, inputs, taskRuns, outputs, problems]
              properties:
                id: {type: string}
                namespace: {type: string}
                flowId: {type: string}
                state: {type: string, enum: [CREATED, RUNNING, SUCCESS, WARNING, FAILED, KILLED, SKIPPED]}
                startDate: {type: string}
                endDate: {type: [string, "null"]}
                startedBy: {type: string}
                inputs: {type: object}
                outputs: {type: object}
                problems: {type: array, items: {type: string}}
                taskRuns:
                  type: array
                  items:
                    type: object
                    required: [id, taskId, value, state, attempts, startDate, endDate, outputs]
                    properties:
                      id: {type: string}
                      taskId: {type: string}
                      value: {type: [string, "null"]}
                      state: {type: string}
                      attempts: {type: integer}
                      startDate: {type: string}
                      endDate: {type: [string, "null"]}
                      outputs: {type: object}
          responses:
            Error:
              description: The request was refused or failed.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Error"}
        paths:
          /health:
            get:
              operationId: health
              security: []
              summary: Whether the server can read its store.
              responses:
                "200":
                  description: Healthy.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [status, store, periods, rows, uptimeSeconds]
                        properties:
                          status: {type: string, const: ok}
                          store: {type: string}
                          periods: {type: integer}
                          rows: {type: integer}
                          uptimeSeconds: {type: integer}
                "503": {description: The store cannot be read.}
          /metrics:
            get:
              operationId: metrics
              summary: Cost and flow metrics in Prometheus' text format.
              responses:
                "200":
                  description: The metrics.
                  content:
                    text/plain: {schema: {type: string}}
                "401": {$ref: "#/components/responses/Error"}
          /api/v1/openapi.yaml:
            get:
              operationId: openapi
              summary: This document.
              responses:
                "200":
                  description: The document.
                  content:
                    application/yaml: {schema: {type: object}}
                "401": {$ref: "#/components/responses/Error"}
          /api/v1/periods:
            get:
              operationId: listPeriods
              summary: Every stored (source, period) with its rows, totals and checksum.
              responses:
                "200":
                  description: The periods.
                  content:
                    application/json:
                      schema: {type: array, items: {$ref: "#/components/schemas/Period"}}
                "401": {$ref: "#/components/responses/Error"}
          /api/v1/verify:
            post:
              operationId: verifyStore
              summary: Reads every stored period back and checks it (operator role).
              responses:
                "200":
                  description: Every period is intact.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [verified, periods]
                        properties:
                          verified: {type: integer}
                          periods: {type: array, items: {$ref: "#/components/schemas/Period"}}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "500": {$ref: "#/components/responses/Error"}
          /api/v1/pivot:
            post:
              operationId: pivot
              summary: Runs a pivot over the stored data.
              parameters:
                - name: format
                  in: query
                  schema: {type: string, enum: [json, csv]}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: "#/components/schemas/PivotDefinition"}
              responses:
                "200":
                  description: The result; decimals as strings with every digit.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/PivotResult"}
                    text/csv:
                      schema: {type: string}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/report:
            get:
              operationId: report
              summary: The cost review of a month as one self-contained HTML page.
              parameters:
                - name: month
                  in: query
                  schema: {type: string, pattern: "^[0-9]{4}-(0[1-9]|1[0-2])$"}
                - name: currency
                  in: query
                  schema: {type: string}
              responses:
                "200":
                  description: The page.
                  content:
                    text/html: {schema: {type: string}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "404":
                  description: The store has no cost for that month or currency.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
          /api/v1/analytics/anomalies:
            get:
              operationId: anomalies
              summary: Days whose cost departs from its weekly pattern, per key, with what explains them.
              parameters:
                - {name: by, in: query, required: true, schema: {type: string, minLength: 1}, description: "Key dimensions, e.g. ServiceName"}
                - {name: measure, in: query, schema: {type: string}, description: "Default sum(EffectiveCost)"}
                - {name: filter, in: query, schema: {type: string}}
                - {name: threshold, in: query, schema: {type: number, minimum: 0.5, maximum: 100}}
                - {name: minImpact, in: query, schema: {type: string, pattern: "^[0-9]+([.][0-9]+)?$"}}
                - {name: minPercent, in: query, schema: {type: number, minimum: 0, maximum: 10000}}
                - {name: contributors, in: query, schema: {type: string}}
              responses:
                "200":
                  description: One object per anomaly, the columns of finops anomalies.
                  content:
                    application/json:
                      schema: {type: array, items: {type: object}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/analytics/forecast:
            get:
              operationId: forecast
              summary: Daily cost forecasts per key with prediction intervals, or month-end totals.
              parameters:
                - {name: by, in: query, required: true, schema: {type: string, minLength: 1}}
                - {name: measure, in: query, schema: {type: string}}
                - {name: filter, in: query, schema: {type: string}}
                - {name: interval, in: query, schema: {type: number, minimum: 0.5, maximum: 0.99}}
                - {name: horizon, in: query, schema: {type: integer, minimum: 1, maximum: 366}}
                - {name: monthEnd, in: query, schema: {type: boolean}}
              responses:
                "200":
                  description: One object per forecast day (or per series with monthEnd), the columns of finops forecast.
                  content:
                    application/json:
                      schema: {type: array, items: {type: object}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/analytics/budgets:
            get:
              operationId: budgets
              summary: The server's budgets checked against the store, with forecasts to period end.
              parameters:
                - {name: asOf, in: query, schema: {type: string, pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}}
              responses:
                "200":
                  description: One object per budget and period, the columns of finops budgets check.
                  content:
                    application/json:
                      schema: {type: array, items: {type: object}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/analytics/coverage:
            get:
              operationId: coverage
              summary: The share of cost carrying each tag key, per month.
              parameters:
                - {name: tags, in: query, required: true, schema: {type: string, minLength: 1}, description: "e.g. team,env"}
                - {name: filter, in: query, schema: {type: string}}
              responses:
                "200":
                  description: One object per month and tag key, the columns of finops coverage.
                  content:
                    application/json:
                      schema: {type: array, items: {type: object}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/flows:
            get:
              operationId: listFlows
              summary: The flows of the server's flows directory, valid or not.
              responses:
                "200":
                  description: The flows.
                  content:
                    application/json:
                      schema:
                        type: array
                        items:
                          type: object
                          required: [namespace, id, file, valid, tasks, schedules, problems]
                          properties:
                            namespace: {type: string}
                            id: {type: string}
                            file: {type: string}
                            valid: {type: boolean}
                            tasks: {type: integer}
                            schedules: {type: string}
                            problems: {type: array, items: {$ref: "#/components/schemas/Problem"}}
                "401": {$ref: "#/components/responses/Error"}
          /api/v1/flows/validate:
            post:
              operationId: validateFlow
              summary: Checks a flow's YAML as finops flow validate does.
              requestBody:
                required: true
                content:
                  application/yaml:
                    schema: {description: "A flow as YAML; any document is checked, and what is wrong reported"}
              responses:
                "200":
                  description: Whether it is valid, and every problem at its line and column.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [valid, problems]
                        properties:
                          valid: {type: boolean}
                          problems: {type: array, items: {$ref: "#/components/schemas/Problem"}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
          /api/v1/flows/{namespace}/{id}/executions:
            post:
              operationId: runFlow
              summary: Starts an execution (operator role); with wait, answers when it ends.
              parameters:
                - {name: namespace, in: path, required: true, schema: {type: string}}
                - {name: id, in: path, required: true, schema: {type: string}}
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        inputs: {type: object}
                        wait: {type: boolean}
              responses:
                "200":
                  description: The execution, ended.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Execution"}
                "201":
                  description: The execution, started.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Execution"}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
          /api/v1/executions:
            get:
              operationId: listExecutions
              summary: Executions, newest first.
              parameters:
                - {name: flow, in: query, schema: {type: string}}
                - name: state
                  in: query
                  schema: {type: string, enum: [CREATED, RUNNING, SUCCESS, WARNING, FAILED, KILLED, SKIPPED]}
              responses:
                "200":
                  description: The executions.
                  content:
                    application/json:
                      schema: {type: array, items: {$ref: "#/components/schemas/Execution"}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
          /api/v1/executions/{id}:
            get:
              operationId: getExecution
              summary: One execution with its task runs and outputs.
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
              responses:
                "200":
                  description: The execution.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Execution"}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
          /api/v1/executions/{id}/logs:
            get:
              operationId: getExecutionLogs
              summary: An execution's logs, in order.
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
              responses:
                "200":
                  description: The logs.
                  content:
                    application/json:
                      schema:
                        type: array
                        items:
                          type: object
                          required: [timestamp, level, taskId, taskRunId, message]
                          properties:
                            timestamp: {type: string}
                            level: {type: string}
                            taskId: {type: [string, "null"]}
                            taskRunId: {type: [string, "null"]}
                            message: {type: string}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}

        """
}

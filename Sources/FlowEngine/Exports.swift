// Task outputs and map values are OrderedDictionary; re-exporting its module lets a program write
// `return ["rows": 12]` from a custom task with `import FlowEngine` alone.
@_exported import OrderedCollections

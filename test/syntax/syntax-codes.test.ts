import { diagnosticCases } from "../helpers/diagnostic-cases.js";

// Every syntax diagnostic code, with its position, through the whole pipeline.
diagnosticCases("syntax errors (SFW101–SFW107)", {
  valid: ["chain deliver { rule r { when kind == message then drop; } }\n", "# only a comment\n", ""],
  invalid: [
    { name: "unexpected character", source: "chain deliver { rule r { when kind ~ message then drop } }", diagnostics: [{ code: "SFW101", line: 1, column: 36, message: "unexpected character" }] },
    { name: "mismatched token", source: "chain deliver { rule r { when in_roster drop } }", diagnostics: [{ code: "SFW102", line: 1, column: 41, message: "expected 'then' or '}' but found 'drop'" }] },
    { name: "no viable alternative", source: "chain deliver { rule r { then dorp } }", diagnostics: [{ code: "SFW103", line: 1, column: 31, hint: "did you mean 'drop'?" }] },
    { name: "empty value", source: "chain deliver { rule r { when kind == then drop } }", diagnostics: [{ code: "SFW104", line: 1, column: 39, message: "expected a value but found 'then'" }] },
    { name: "not a declaration", source: "chian deliver { }", diagnostics: [{ code: "SFW105", line: 1, column: 1, hint: "did you mean 'chain'?" }] },
    { name: "unterminated string", source: 'chain deliver {\n  rule r { then reply "oops }\n}\n', diagnostics: [{ code: "SFW106", line: 2, column: 23 }] },
    { name: "invalid escape", source: 'chain deliver { rule r { then reply "a\\qb" } }', diagnostics: [{ code: "SFW107", line: 1, column: 39, endColumn: 41 }] },
  ],
});

diagnosticCases("rules without actions (SFW301)", {
  valid: [],
  invalid: [
    { name: "no then", source: "chain deliver {\n  rule r { when kind == message }\n}\n", diagnostics: [{ code: "SFW301", line: 2, column: 8, message: "rule 'r' has no action" }] },
    { name: "empty rule", source: "chain deliver {\n  rule r { }\n}\n", diagnostics: [{ code: "SFW301", line: 2, column: 8 }] },
  ],
});

; Imports and call sites shared by JavaScript and TypeScript (appended to both queries by
; their `; also:` line; captures: see ../extract.py).

(import_statement
  (import_clause (identifier) @import.alias)
  source: (string (string_fragment) @import.module)) @import
(import_statement
  (import_clause (named_imports (import_specifier name: (identifier) @import.name
                                                  alias: (identifier)? @import.alias)))
  source: (string (string_fragment) @import.module)) @import
(import_statement
  (import_clause (namespace_import (identifier) @import.alias))
  source: (string (string_fragment) @import.module)) @import

(call_expression function: (identifier) @call.name) @call
(call_expression
  function: (member_expression object: (_) @call.receiver
                               property: (property_identifier) @call.name)) @call
(new_expression constructor: (identifier) @call.name) @call

; `const x = new Type(...)`: the receiver type of later `x.method()` calls in the same scope
(variable_declarator name: (identifier) @local.name value: (new_expression constructor: (identifier) @local.type))

; Code elements, imports and call sites of JavaScript and JSX (captures: see ../extract.py).

(class_declaration
  name: (identifier) @name
  (class_heritage)? @bases) @definition.class
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: (_) @name) @definition.method
(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function

(field_definition property: (_) @field)
(assignment_expression
  left: (member_expression object: (this) property: (property_identifier) @field))

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

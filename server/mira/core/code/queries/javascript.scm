; Code elements, imports and call sites of JavaScript and JSX (captures: see ../extract.py).
; also: ecmascript

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

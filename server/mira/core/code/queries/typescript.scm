; Code elements, imports and call sites of TypeScript and TSX (captures: see ../extract.py).
; also: ecmascript
(export_statement "default" declaration: (abstract_class_declaration name: (_) @export.default)) @import

(class_declaration
  name: (type_identifier) @name
  (class_heritage)? @bases) @definition.class
(abstract_class_declaration
  name: (type_identifier) @name
  (class_heritage)? @bases) @definition.class
(interface_declaration
  name: (type_identifier) @name
  (extends_type_clause)? @bases) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(function_declaration name: (identifier) @name return_type: (type_annotation)? @returns) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: (_) @name return_type: (type_annotation)? @returns) @definition.method
(method_signature name: (_) @name) @definition.method
(abstract_method_signature name: (_) @name) @definition.method
(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(internal_module name: (_) @name) @definition.module

(public_field_definition name: (_) @field)
(property_signature name: (_) @field)
(assignment_expression
  left: (member_expression object: (this) property: (property_identifier) @field))

; types: annotated parameters and variables (receivers), annotated fields and parameter
; properties (`constructor(private client: Client)`) of the class
(required_parameter pattern: (identifier) @local.name type: (type_annotation (_) @local.type))
(optional_parameter pattern: (identifier) @local.name type: (type_annotation (_) @local.type))
(variable_declarator name: (identifier) @local.name type: (type_annotation (_) @local.type))
(public_field_definition name: (property_identifier) @attr.name type: (type_annotation (_) @attr.type))
(required_parameter (accessibility_modifier) pattern: (identifier) @attr.name
                    type: (type_annotation (_) @attr.type))

; Code elements, imports and call sites of Java (captures: see ../extract.py).

(class_declaration
  name: (identifier) @name
  superclass: (_)? @bases
  interfaces: (_)? @bases) @definition.class
(interface_declaration name: (identifier) @name (extends_interfaces)? @bases) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method

(field_declaration declarator: (variable_declarator name: (identifier) @field))

(import_declaration (scoped_identifier scope: (_) @import.module name: (identifier) @import.name)) @import

(method_invocation object: (_)? @call.receiver name: (identifier) @call.name) @call
(object_creation_expression type: (type_identifier) @call.name) @call

// The TypeScript reference for benchmarks/call_graph_eval.py: every call site of a
// repository's .ts files (calls and `new`), with the definitions the TypeScript compiler's
// language service gives for the callee's name (getDefinitionAtPosition), one JSON object
// per line on stdout.
//
// usage: node benchmarks/ts_reference.mjs REPO TYPESCRIPT_DIR
//   TYPESCRIPT_DIR: a folder where `npm install typescript` ran (not a Mira dependency)
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [root, tsDir] = process.argv.slice(2).map((p) => path.resolve(p));
const ts = createRequire(path.join(tsDir, "package.json"))("typescript");

const SKIP = new Set(["node_modules", ".git", "dist", "build", ".mira"]);
function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

const files = walk(root, []).sort();
const options = {
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext, allowJs: false, strict: true,
  noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true,
};
const texts = new Map(files.map((f) => [f, fs.readFileSync(f, "utf8")]));
const host = {
  getScriptFileNames: () => files,
  getScriptVersion: () => "1",
  getScriptSnapshot: (f) => {
    const text = texts.get(f) ?? (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
    return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
  },
  getCurrentDirectory: () => root,
  getCompilationSettings: () => options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: (f) => texts.has(f) || fs.existsSync(f),
  readFile: (f) => texts.get(f) ?? fs.readFileSync(f, "utf8"),
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
};
const service = ts.createLanguageService(host, ts.createDocumentRegistry());
const program = service.getProgram();

function rel(f) {
  const r = path.relative(root, f);
  return r.startsWith("..") || path.isAbsolute(r) ? "" : r.split(path.sep).join("/");
}

function imports(sf) {
  // local name -> module specifier
  const out = new Map();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !st.importClause) continue;
    const spec = st.moduleSpecifier.text;
    const clause = st.importClause;
    if (clause.name) out.set(clause.name.text, spec);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) out.set(nb.name.text, spec);
    if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) out.set(el.name.text, spec);
  }
  return out;
}

function rootOf(expr) {
  while (ts.isPropertyAccessExpression(expr) || ts.isCallExpression(expr)) expr = expr.expression;
  return expr;
}

for (const file of files) {
  const sf = program.getSourceFile(file);
  if (!sf) continue;
  const imported = imports(sf);
  const visit = (node) => {
    let nameNode, kind;
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee)) {
        nameNode = callee;
        kind = ts.isNewExpression(node) ? "constructor" : imported.has(callee.text) ? "imported" : "plain";
      } else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)) {
        nameNode = callee.name;
        const obj = callee.expression;
        const base = rootOf(obj);
        if (obj.kind === ts.SyntaxKind.SuperKeyword) kind = "super";
        else if (obj.kind === ts.SyntaxKind.ThisKeyword) kind = "self";
        else if (ts.isIdentifier(base) && imported.has(base.text) && ts.isIdentifier(obj)) kind = "imported";
        else kind = "receiver";
        if (ts.isNewExpression(node)) kind = "constructor";
      }
    }
    if (nameNode) {
      const pos = nameNode.getStart(sf);
      const { line, character } = sf.getLineAndCharacterOfPosition(pos);
      let defs = [];
      try {
        defs = (service.getDefinitionAtPosition(file, pos) || []).map((d) => {
          const dsf = program.getSourceFile(d.fileName);
          const at = dsf ? dsf.getLineAndCharacterOfPosition(d.textSpan.start).line : -1;
          return { path: rel(d.fileName), line: at, kind: d.kind };
        });
      } catch (e) {
        defs = null;
      }
      let spec = null;
      const base = ts.isIdentifier(nameNode.parent) ? nameNode : rootOf(nameNode.parent.expression ?? nameNode);
      if (ts.isIdentifier(base) && imported.has(base.text)) spec = imported.get(base.text);
      const lineText = sf.text.split("\n")[line] ?? "";
      const col = Buffer.byteLength(lineText.slice(0, character), "utf8");
      process.stdout.write(JSON.stringify({ path: rel(file), line, col, kind, spec, defs }) + "\n");
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

// TypeScript types of Mira's own LSP requests. Keep in step with docs/lsp-extensions.md (the
// server's attrs types are in server/mira/lsp/protocol*.py). Field names are camelCase on the wire.

export type ProgressToken = string | number;
export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }
export interface TextDocumentIdentifier { uri: string }

export const Methods = {
  cochange: 'mira/cochange',
  status: 'mira/status',
  fixes: 'mira/fixes',
  experts: 'mira/experts',
  blame: 'mira/blame',
  context: 'mira/context',
  memory: 'mira/memory',
  search: 'mira/search',
  chat: 'mira/chat',
  operations: 'mira/operations',
  budget: 'mira/budget',
  recipes: 'mira/recipes',
  scaffold: 'mira/scaffold',
  refineRecipe: 'mira/refineRecipe',
  reasoning: 'mira/reasoning',
  feedback: 'mira/feedback',
  profile: 'mira/profile',
  memoryRelations: 'mira/memoryRelations',
  impact: 'mira/impact',
  concepts: 'mira/concepts',
  patterns: 'mira/patterns',
} as const;

/** Commands the server registers (workspace/executeCommand). */
export const ServerCommands = {
  showCochange: 'mira.showCochange',
  openFile: 'mira.openFile',
  reindex: 'mira.reindex',
  runBuild: 'mira.runBuild',
  showFixes: 'mira.showFixes',
  showExperts: 'mira.showExperts',
  applyArtifact: 'mira.applyArtifact',
  applyScaffold: 'mira.applyScaffold',
} as const;

/** Commands the client registers and the server names in code actions. */
export const ClientCommands = {
  scaffold: 'mira.scaffold',
} as const;

// -- mira/cochange --
export interface CochangeParams { textDocument: TextDocumentIdentifier; limit?: number }
export interface CochangeItem {
  path: string;                // repository-relative, "/"-separated, current name
  uri: string;
  confidence: number;          // 0..1
  sharedCommits: number;
  lastChangedTogether: string; // ISO 8601
  reason: string;
}
export interface CochangeResult { path: string; items: CochangeItem[]; note?: string | null }

// -- mira/status --
export type StatusParams = Record<string, never>;
export interface RepositoryStatus {
  root: string; state: 'new' | 'indexing' | 'ready' | 'empty' | 'error';
  commitsIndexed: number; lastIndexedHead?: string | null; indexedAt?: string | null;
  lastFullIndexSeconds?: number | null; lastRunSeconds?: number | null; message?: string | null;
}
export interface PhaseStatus {
  name: "git" | "code" | "fixes" | "chunks" | "code_embeddings" | "commit_embeddings";
  title: string; state: "pending" | "running" | "done" | "failed" | "off";
  done: number; total?: number | null; message?: string | null; error?: string | null;
  attempts: number; startedAt?: number | null; finishedAt?: number | null; retryAt?: number | null;
  counts: Record<string, number>;
}
export interface WorkspaceStatus {
  root: string; dataDir: string; git: boolean; repositories: RepositoryStatus[]; message?: string | null;
  phases: PhaseStatus[];
}
export interface StatusResult { version: string; workspaces: WorkspaceStatus[]; extra?: object | null }

// -- mira/fixes --
export interface FixesParams { message: string; textDocument?: TextDocumentIdentifier; range?: Range; limit?: number }
export interface FixItem {
  commit: string; short: string; summary: string; similarity: number; files: string[];
  hunk: string; author: string; date: string;
}
export interface FixesResult { fixes: FixItem[]; note?: string | null }

// -- mira/experts --
export interface ExpertsParams { textDocument: TextDocumentIdentifier; position?: Position; limit?: number }
export interface Expert {
  name: string; email: string; score: number; commits: number; lines: number; lastCommit?: string | null;
  emails?: string[];
}
export interface ExpertsResult { experts: Expert[] }

// -- mira/blame --
export interface BlameParams { textDocument: TextDocumentIdentifier; line: number }
export interface BlameResult {
  commit: string; short: string; author: string; email: string; time: string; subject: string;
  uncommitted: boolean;
}

// -- mira/context --
export type Preset = 'full' | 'default' | 'minimal' | 'for_error';
export interface Citation { path?: string | null; line?: number | null; commit?: string | null }
export interface ContextParams {
  message: string; textDocument?: TextDocumentIdentifier; position?: Position; preset?: Preset;
  sessionId?: string; budgetUsedFraction?: number; selection?: string; diagnostics?: string[];
}
export interface ContextSectionItem { title: string; source: string; tokens: number; markdown: string }
export interface ContextResult {
  preset: string; markdown: string; sections: ContextSectionItem[]; skipped: string[];
  tokens: number; system: string; citations: Citation[];
}

// -- mira/memory --
export interface MemoryParams { action?: 'list' | 'forget'; key?: string }
export interface MemoryFact {
  key: string; value: string; confidence: number; source: 'remember' | 'preference' | 'llm';
  updatedAt: string; sessionId?: string | null;
}
export interface MemoryResult { facts: MemoryFact[]; removed?: boolean | null; note?: string | null }

// -- mira/search --
export interface SearchParams {
  // kinds: default ['code']; commits only when 'git' is named
  query: string; limit?: number; kinds?: ('code' | 'git' | 'conversation')[]; paths?: string[];
}
export interface SearchItem {
  path?: string | null; uri?: string | null; range: Range; symbol?: string | null; score: number;
  snippet: string; source: 'code' | 'git' | 'conversation'; commit?: string | null;
}
export interface SearchResult { items: SearchItem[]; note?: string | null }

// -- mira/chat --
export interface ChatParams {
  message: string;
  sessionId?: string;
  textDocument?: TextDocumentIdentifier; range?: Range;
  reasoningEffort?: 'minimum' | 'medium' | 'high';
  preset?: Preset;
  diagnostics?: string[];
  workDoneToken?: ProgressToken;
  partialResultToken?: ProgressToken;
}
/** A WorkspaceEdit as sent on the wire (kept opaque: the server applies it). */
export type WireWorkspaceEdit = Record<string, unknown>;
export interface Artifact {
  id: string; path: string; uri: string; language: string; sha256: string;
  kind: 'full' | 'diff'; content: string; edit: WireWorkspaceEdit;
}
export type ChatPartial =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; callId: string; name: string; args: Record<string, unknown> }
  | { kind: 'toolResult'; callId: string; name: string; ok: boolean; summary: string }
  | { kind: 'artifact'; artifact: Artifact };
export interface ChatUsage {
  model: string; promptTokens: number; completionTokens: number; reasoningTokens: number;
  costUsd: number; cached: boolean; calls: number;
}
export interface ChatResult {
  operationId: string; sessionId: string; state: 'completed'; response: string;
  artifacts: Artifact[]; citations: Citation[]; usage?: ChatUsage | null;
}

// -- mira/operations --
export interface OperationsParams { operationId?: string; sessionId?: string; limit?: number }
export interface OperationEvent { seq: number; time: string; type: string; data: object }
export interface Operation {
  id: string; sessionId: string; kind: 'chat';
  state: 'pending' | 'started' | 'completed' | 'failed' | 'cancelled';
  createdAt: string; updatedAt: string; message: string; error?: string | null;
  events?: OperationEvent[] | null;
}
export interface OperationsResult { operations: Operation[] }

// -- mira/budget --
export type BudgetParams = Record<string, never>;
export interface BudgetResult {
  configured: boolean; model?: string | null;
  dailySpentUsd: number; dailyLimitUsd?: number | null;
  monthlySpentUsd: number; monthlyLimitUsd?: number | null;
  calls: number; cacheHits: number; cacheHitRate: number;
  cacheEntries: number; cacheBytes: number;
}

/** mira.applyArtifact's result. */
export interface ApplyArtifactResult { applied: boolean }

// -- mira/recipes, mira/scaffold (change recipes) --
export interface RecipesParams { textDocument?: TextDocumentIdentifier; includeRetired?: boolean }
export interface RecipeExample { commit: string; subject: string; name: string }
export interface RecipeEdit { path: string; lines: string[] }
export interface RecipeItem {
  id: string; title: string;
  files: string[];            // path templates: created files, then edited shared files
  support: number;            // commits that made this change
  lastUsed?: string | null;   // ISO 8601 of the latest such commit
  examples: RecipeExample[];  // newest first
  creates: string[]; edits: RecipeEdit[];
  version: number; retired: boolean; effectiveness?: number | null;
}
export interface RecipesResult { recipes: RecipeItem[]; note?: string | null }
export interface ScaffoldParams { recipe: string; name: string; textDocument?: TextDocumentIdentifier }
export interface TextEdit { range: Range; newText: string }
export interface ScaffoldChange {
  path: string; kind: 'create' | 'edit';
  content?: string | null;    // kind 'create'
  edits?: TextEdit[] | null;  // kind 'edit': insertions into the current file
}
export interface ScaffoldResult {
  recipe: string; name: string; changes: ScaffoldChange[];
  edit: WireWorkspaceEdit;    // never applied by the server; see mira.applyScaffold
  notes: string[];
}
export interface RefineRecipeParams { recipe: string; textDocument?: TextDocumentIdentifier }
/** The recipe's new version and the model's note; RequestFailed without a model or when refused. */
export interface RefineRecipeResult { recipe: RecipeItem; note: string }
/** Arguments of the client command mira.scaffold (from the "New … like …" code action). */
export interface ScaffoldCommandArgs { recipe: string; uri?: string; title?: string; name?: string }
/** mira.applyScaffold's arguments and result. */
export interface ApplyScaffoldArgs { recipe: string; name: string; uri?: string }
export interface ApplyScaffoldResult { applied: boolean; created?: string[]; notes?: string[] }

// -- mira/reasoning, mira/feedback, mira/profile (learning) --
export interface ReasoningParams { action?: 'list' | 'show' | 'forget'; id?: number }
export interface ReasoningPatternStep { tool?: string | null; args?: string | null; text?: string | null }
export interface ReasoningPatternItem {
  id: number; title: string; source: 'chat' | 'recipe';
  keywords: string[]; fileKinds: string[];
  steps: ReasoningPatternStep[]; plan: string[];
  uses: number; successes: number; failures: number;
  successRate?: number | null;   // null until an outcome is known
  markdown?: string | null;      // show: the "## Suggested Approach" it injects
}
export interface ReasoningResult { patterns: ReasoningPatternItem[]; removed?: boolean | null }
export interface FeedbackParams { operationId: string; rating: 'up' | 'down' }
export interface FeedbackResult { recorded: boolean; patternId?: number | null }
export interface ProfileParams {
  action?: 'list' | 'set' | 'forget';
  key?: string;                  // forget: a fact's key or 'all'; set: the fact it corrects
  category?: 'preference' | 'stack' | 'style'; value?: string;
}
export interface ProfileFact {
  key: string; category: string; value: string;
  confidence: number; evidence: number; source: 'learned' | 'user';
}
export interface ProfileResult { facts: ProfileFact[]; removed?: boolean | null }
/** mira/memoryRelations: one of textDocument, kind + target, or messageId. */
export interface MemoryRelationsParams {
  textDocument?: TextDocumentIdentifier;
  kind?: 'file' | 'fact' | 'profile' | 'pattern'; target?: string;
  messageId?: number; limit?: number;
}
export interface MemoryLink {
  kind: 'file' | 'fact' | 'profile' | 'pattern'; target: string;
  relation: 'about' | 'mentioned' | 'read' | 'proposed' | 'applied' | 'taught' | 'suggested';
}
export interface RelatedMessage {
  id: number; sessionId: string; operationId?: string | null; role: 'user' | 'assistant';
  excerpt: string; ts: string; links: MemoryLink[];
}
export interface MemoryRelationsResult { messages: RelatedMessage[] }  // newest first
// -- mira/impact, mira/concepts, mira/patterns (code intelligence) --
export interface Location { uri: string; range: Range }
export interface SymbolItem {
  name: string; qualifiedName: string;
  kind: 'module' | 'class' | 'function' | 'method' | 'interface' | 'struct' | 'enum' | 'trait';
  path: string; uri: string;  // path: workspace-relative
  range: Range; selectionRange: Range; signature?: string | null; container?: string | null;
}
export interface ImpactParams { textDocument: TextDocumentIdentifier; position: Position; depth?: number }
export interface ImpactCaller {
  symbol: SymbolItem; depth: number;  // 1 = calls it directly
  callSite: Location; confidence: 'resolved' | 'name';
}
export interface CochangedFile { path: string; uri: string; confidence: number }
export interface ImpactResult {
  symbol?: SymbolItem | null; callers: ImpactCaller[]; cochanged: CochangedFile[]; note?: string | null;
}
export interface ConceptsParams { query: string; limit?: number }
export interface ConceptsResult { items: SymbolItem[] }
export interface PatternsParams { textDocument?: TextDocumentIdentifier }
export interface PatternItem { pattern: string; confidence: number; evidence: string[]; symbol: SymbolItem }
export interface PatternsResult { items: PatternItem[] }

/** JSON-RPC error code of a cancelled request. */
export const RequestCancelled = -32800;

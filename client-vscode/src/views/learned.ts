// "Learned": what Mira learned from experience, visible and editable — the reasoning patterns
// it suggests in chat (mira/reasoning), the facts about the user it puts in the prompt
// (mira/profile) and the earlier conversations about the active file (mira/memoryRelations).
// The actions live in ../learning.ts.
import * as vscode from 'vscode';
import type {
  MemoryRelationsResult, ProfileFact, ProfileResult, ReasoningPatternItem, ReasoningResult, RelatedMessage,
} from '../protocol';

/** One earlier chat about the file: the question and its answer (either may be missing). */
export interface RelatedChat { question?: RelatedMessage; answer?: RelatedMessage }

export type LearnedNode =
  | { kind: 'group'; group: 'patterns' | 'profile' | 'related' }
  | { kind: 'pattern'; pattern: ReasoningPatternItem }
  | { kind: 'fact'; fact: ProfileFact }
  | { kind: 'chat'; chat: RelatedChat }
  | { kind: 'message'; text: string };

export interface LearnedSources {
  patterns: () => Promise<ReasoningResult | undefined>;
  profile: () => Promise<ProfileResult | undefined>;
  /** mira/memoryRelations for a file (the "Conversations about …" group). */
  related?: (uri: string) => Promise<MemoryRelationsResult | undefined>;
}

/** Messages (newest first) folded into chats, by operation. */
export function relatedChats(messages: RelatedMessage[]): RelatedChat[] {
  const chats = new Map<string, RelatedChat>();
  for (const m of messages) {
    const key = m.operationId ?? `m${m.id}`;
    const chat = chats.get(key) ?? {};
    chat[m.role === 'user' ? 'question' : 'answer'] = m;
    chats.set(key, chat);
  }
  return [...chats.values()];
}

export function chatRelations(chat: RelatedChat, path: string | undefined): string {
  const links = [...(chat.question?.links ?? []), ...(chat.answer?.links ?? [])];
  return [...new Set(links.filter((l) => l.kind === 'file' && l.target === path).map((l) => l.relation))].join(', ');
}

const percent = (x: number): string => `${Math.round(x * 100)} %`;

export function patternDescription(p: ReasoningPatternItem): string {
  const used = p.uses === 1 ? 'used once' : `used ${p.uses}×`;
  const rate = p.successRate === null || p.successRate === undefined ? 'no outcome yet' : `${percent(p.successRate)} success`;
  return `${p.source === 'recipe' ? 'from a recipe · ' : ''}${rate} · ${used}`;
}

export function factDescription(f: ProfileFact): string {
  return f.source === 'user' ? `${f.category} · set by you` : `${f.category} · ${percent(f.confidence)} sure`;
}

export class LearnedTreeProvider implements vscode.TreeDataProvider<LearnedNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  patterns: ReasoningPatternItem[] = [];
  facts: ProfileFact[] = [];
  chats: RelatedChat[] = [];
  /** The workspace-relative path of the file the "Conversations about" group is for. */
  relatedPath: string | undefined;
  private error: string | undefined;
  loading: Promise<void> = Promise.resolve();

  constructor(private readonly sources: LearnedSources) {}

  refresh(): Promise<void> {
    this.loading = this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const [patterns, profile] = await Promise.all([this.sources.patterns(), this.sources.profile()]);
      this.error = patterns && profile ? undefined : 'Mira is not running.';
      this.patterns = patterns?.patterns ?? [];
      this.facts = profile?.facts ?? [];
    } catch (error) {
      this.error = `Mira: ${(error as Error).message}`;
      this.patterns = [];
      this.facts = [];
    }
    this.changed.fire();
  }

  /** The earlier conversations about a file (the active editor's). */
  async setDocument(uri: vscode.Uri | undefined): Promise<void> {
    if (!uri || uri.scheme !== 'file' || !this.sources.related) {
      return;
    }
    try {
      const result = await this.sources.related(uri.toString());
      this.chats = relatedChats(result?.messages ?? []);
      this.relatedPath = vscode.workspace.asRelativePath(uri, false);
    } catch {
      this.chats = []; // a file outside the workspace
      this.relatedPath = undefined;
    }
    this.changed.fire();
  }

  /** The facts a mira/profile answer returns after set/forget, without another request. */
  setFacts(facts: ProfileFact[]): void {
    this.facts = facts;
    this.changed.fire();
  }

  getTreeItem(node: LearnedNode): vscode.TreeItem {
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'mira.message';
        return item;
      }
      case 'group': {
        if (node.group === 'related') {
          const item = new vscode.TreeItem(`Conversations about ${this.relatedPath?.split('/').pop() ?? 'this file'}`,
            vscode.TreeItemCollapsibleState.Expanded);
          item.id = 'mira.learned.related';
          item.description = String(this.chats.length);
          item.iconPath = new vscode.ThemeIcon('history');
          item.contextValue = 'mira.related';
          return item;
        }
        const patterns = node.group === 'patterns';
        const item = new vscode.TreeItem(patterns ? 'Reasoning patterns' : 'About you',
          vscode.TreeItemCollapsibleState.Expanded);
        item.id = `mira.learned.${node.group}`;
        item.description = String(patterns ? this.patterns.length : this.facts.length);
        item.iconPath = new vscode.ThemeIcon(patterns ? 'lightbulb' : 'account');
        item.contextValue = patterns ? 'mira.patterns' : 'mira.profile';
        return item;
      }
      case 'pattern': {
        const p = node.pattern;
        const item = new vscode.TreeItem(p.title, vscode.TreeItemCollapsibleState.None);
        item.id = `mira.pattern.${p.id}`;
        item.description = patternDescription(p);
        item.iconPath = new vscode.ThemeIcon(p.source === 'recipe' ? 'layers' : 'comment-discussion');
        const steps = p.plan.length ? p.plan : p.steps.map((s) => s.text ?? `${s.tool ?? ''} ${s.args ?? ''}`.trim());
        item.tooltip = new vscode.MarkdownString(
          `**${p.title}**\n\n${steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}` +
          (p.keywords.length ? `\n\nTriggered by: ${p.keywords.join(', ')}` : ''));
        item.contextValue = 'mira.pattern';
        item.command = { title: 'Show', command: 'mira.showPattern', arguments: [node] };
        return item;
      }
      case 'chat': {
        const { question, answer } = node.chat;
        const first = question ?? answer!;
        const item = new vscode.TreeItem(first.excerpt, vscode.TreeItemCollapsibleState.None);
        item.id = `mira.chat.${first.operationId ?? first.id}`;
        const how = chatRelations(node.chat, this.relatedPath);
        item.description = `${first.ts.slice(0, 10)}${how ? ` · ${how}` : ''}`;
        item.iconPath = new vscode.ThemeIcon('comment');
        const links = [...(question?.links ?? []), ...(answer?.links ?? [])]
          .map((l) => `${l.relation} ${l.kind} \`${l.target}\``);
        item.tooltip = new vscode.MarkdownString(
          (question ? `**Asked:** ${question.excerpt}\n\n` : '') + (answer ? `**Answer:** ${answer.excerpt}\n\n` : '') +
          links.map((l) => `- ${l}`).join('\n'));
        item.contextValue = 'mira.chat';
        return item;
      }
      case 'fact': {
        const f = node.fact;
        const item = new vscode.TreeItem(f.value, vscode.TreeItemCollapsibleState.None);
        item.id = `mira.fact.${f.key}`;
        item.description = factDescription(f);
        item.tooltip = `${f.category}: ${f.value} (said ${f.evidence}×; ${f.source === 'user' ? 'set by you' : 'learned from your messages'})`;
        item.iconPath = new vscode.ThemeIcon(f.source === 'user' ? 'pass-filled' : 'question');
        item.contextValue = 'mira.fact';
        return item;
      }
    }
  }

  getChildren(node?: LearnedNode): LearnedNode[] {
    if (!node) {
      if (this.error) {
        return [{ kind: 'message', text: this.error }];
      }
      const groups: LearnedNode[] = [{ kind: 'group', group: 'patterns' }, { kind: 'group', group: 'profile' }];
      return this.relatedPath ? [...groups, { kind: 'group', group: 'related' }] : groups;
    }
    if (node.kind !== 'group') {
      return [];
    }
    if (node.group === 'related') {
      return this.chats.length
        ? this.chats.map((chat): LearnedNode => ({ kind: 'chat', chat }))
        : [{ kind: 'message', text: 'No conversation about this file yet.' }];
    }
    if (node.group === 'patterns') {
      return this.patterns.length
        ? this.patterns.map((pattern): LearnedNode => ({ kind: 'pattern', pattern }))
        : [{ kind: 'message', text: 'None yet: rate a good chat answer ▲ (Helpful) or apply and keep a proposed change.' }];
    }
    return this.facts.length
      ? this.facts.map((fact): LearnedNode => ({ kind: 'fact', fact }))
      : [{ kind: 'message', text: 'Nothing yet: say "I prefer …" in chat, or add a fact.' }];
  }
}

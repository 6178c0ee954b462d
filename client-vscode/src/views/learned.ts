// "Learned": what Mira learned from experience, visible and editable — the reasoning patterns
// it suggests in chat (mira/reasoning) and the facts about the user it puts in the prompt
// (mira/profile). The actions live in ../learning.ts.
import * as vscode from 'vscode';
import type { ProfileFact, ProfileResult, ReasoningPatternItem, ReasoningResult } from '../protocol';

export type LearnedNode =
  | { kind: 'group'; group: 'patterns' | 'profile' }
  | { kind: 'pattern'; pattern: ReasoningPatternItem }
  | { kind: 'fact'; fact: ProfileFact }
  | { kind: 'message'; text: string };

export interface LearnedSources {
  patterns: () => Promise<ReasoningResult | undefined>;
  profile: () => Promise<ProfileResult | undefined>;
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
      return this.error
        ? [{ kind: 'message', text: this.error }]
        : [{ kind: 'group', group: 'patterns' }, { kind: 'group', group: 'profile' }];
    }
    if (node.kind !== 'group') {
      return [];
    }
    if (node.group === 'patterns') {
      return this.patterns.length
        ? this.patterns.map((pattern): LearnedNode => ({ kind: 'pattern', pattern }))
        : [{ kind: 'message', text: 'None yet: rate a good chat answer 👍 or apply a proposed change.' }];
    }
    return this.facts.length
      ? this.facts.map((fact): LearnedNode => ({ kind: 'fact', fact }))
      : [{ kind: 'message', text: 'Nothing yet: say "I prefer …" in chat, or add a fact.' }];
  }
}

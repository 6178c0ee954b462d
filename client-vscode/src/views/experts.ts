// "Experts": who knows the active editor's file (mira/experts).
import * as vscode from 'vscode';
import type { Expert, ExpertsResult } from '../protocol';
import { percent } from './cochange';
import { DocumentTreeProvider } from './documentTree';

export function expertDescription(expert: Expert): string {
  const commits = expert.commits === 1 ? '1 commit' : `${expert.commits} commits`;
  return `${percent(expert.score)} · ${commits}`;
}

export class ExpertsTreeProvider extends DocumentTreeProvider<ExpertsResult, Expert> {
  get experts(): Expert[] {
    return this.values;
  }

  protected entries(result: ExpertsResult): Expert[] {
    return result.experts;
  }

  protected emptyText(): string {
    return 'No history for this file yet.';
  }

  protected entryItem(expert: Expert): vscode.TreeItem {
    const item = new vscode.TreeItem(expert.name, vscode.TreeItemCollapsibleState.None);
    item.description = expertDescription(expert);
    item.iconPath = new vscode.ThemeIcon('person');
    const last = expert.lastCommit ? `\n\nLast commit: ${expert.lastCommit.slice(0, 10)}` : '';
    item.tooltip = new vscode.MarkdownString(
      `**${expert.name}** <${expert.email}>\n\n${expert.commits} commits · ${expert.lines} lines${last}`);
    item.contextValue = 'mira.expert';
    return item;
  }
}

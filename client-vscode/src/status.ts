// The status bar item: server state, index progress ($/progress) and, when a model is
// configured, the chat budget and cache (mira/budget).
import type { BudgetResult } from './protocol';

export type ServerState = 'starting' | 'running' | 'stopped' | 'notFound';

export interface ProgressState { title: string; message?: string; percentage?: number }

export interface StatusModel {
  server: ServerState;
  progress: ProgressState[];
  budget?: BudgetResult;
}

export interface StatusText { text: string; tooltip: string }

function money(value: number): string {
  return `$${value.toFixed(2)}`;
}

export function budgetText(budget: BudgetResult): string {
  const limit = budget.dailyLimitUsd != null ? `/${money(budget.dailyLimitUsd)}` : '';
  return `${money(budget.dailySpentUsd)}${limit} today · cache ${Math.round(budget.cacheHitRate * 100)} %`;
}

export function statusText(model: StatusModel): StatusText {
  if (model.server === 'notFound') {
    return { text: '$(error) Mira', tooltip: 'Mira: the server command was not found — set mira.serverCommand' };
  }
  if (model.server === 'stopped') {
    return { text: '$(debug-disconnect) Mira', tooltip: 'Mira: the server is not running (click for the log)' };
  }
  if (model.server === 'starting') {
    return { text: '$(sync~spin) Mira', tooltip: 'Mira: starting' };
  }
  const lines: string[] = [];
  let text: string;
  const active = model.progress[model.progress.length - 1];
  if (active) {
    const pct = active.percentage !== undefined ? ` ${Math.round(active.percentage)} %` : '';
    text = `$(sync~spin) Mira: ${active.title}${pct}`;
    for (const p of model.progress) {
      lines.push(`${p.title}${p.message ? ` — ${p.message}` : ''}`);
    }
  } else {
    text = '$(check) Mira';
    lines.push('Mira: ready');
  }
  if (model.budget?.configured) {
    text += ` · ${budgetText(model.budget)}`;
    const b = model.budget;
    lines.push(`Model: ${b.model ?? 'configured'}`);
    lines.push(`Spent today ${money(b.dailySpentUsd)}${b.dailyLimitUsd != null ? ` of ${money(b.dailyLimitUsd)}` : ''}, ` +
      `this month ${money(b.monthlySpentUsd)}${b.monthlyLimitUsd != null ? ` of ${money(b.monthlyLimitUsd)}` : ''}`);
    lines.push(`${b.calls} calls, ${b.cacheHits} cache hits (${Math.round(b.cacheHitRate * 100)} %), ` +
      `${b.cacheEntries} cached answers`);
  }
  return { text, tooltip: lines.join('\n') };
}

/** Keeps the model; `onChange` redraws. Progress tokens are tracked begin → end. */
export class StatusState {
  readonly model: StatusModel = { server: 'starting', progress: [] };
  private readonly byToken = new Map<string, ProgressState>();

  constructor(private readonly onChange: (text: StatusText) => void) {}

  setServer(state: ServerState): void {
    this.model.server = state;
    if (state !== 'running') {
      this.byToken.clear();
      this.model.progress = [];
    }
    this.emit();
  }

  setBudget(budget: BudgetResult | undefined): void {
    this.model.budget = budget;
    this.emit();
  }

  progress(token: string | number, value: { kind: string; title?: string; message?: string; percentage?: number }): void {
    const key = String(token);
    if (value.kind === 'begin') {
      this.byToken.set(key, { title: value.title ?? 'working', message: value.message, percentage: value.percentage });
    } else if (value.kind === 'report') {
      const state = this.byToken.get(key);
      if (state) {
        if (value.message !== undefined) state.message = value.message;
        if (value.percentage !== undefined) state.percentage = value.percentage;
      }
    } else if (value.kind === 'end') {
      this.byToken.delete(key);
    }
    this.model.progress = [...this.byToken.values()];
    this.emit();
  }

  text(): StatusText {
    return statusText(this.model);
  }

  private emit(): void {
    this.onChange(this.text());
  }
}

-- :checkhealth mira — is the server found, which version, is the index ready.
local M = {}

-- vim.health (0.10+, report_* from 0.8), else the 0.7 `health` module
local h = vim.health or require('health')
local start = h.start or h.report_start
local ok = h.ok or h.report_ok
local warn = h.warn or h.report_warn
local err = h.error or h.report_error
local info = h.info or h.report_info

--- The command that prints the version: the server command with `serve` and what follows
--- replaced by `--version` (`mira serve` -> `mira --version`, `python -m mira serve` too).
local function version_cmd(cmd)
  local out = {}
  for _, part in ipairs(cmd) do
    if part == 'serve' then break end
    table.insert(out, part)
  end
  table.insert(out, '--version')
  return out
end

local function check_server(mira)
  local cmd = mira.server_cmd()
  if type(cmd) ~= 'table' or #cmd == 0 then
    err('no server command configured', { "require('mira').setup({ cmd = { 'mira', 'serve' } })" })
    return false
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == '' then
    err(string.format('server command %q not found', cmd[1]), {
      'Install Mira (`./scripts/setup` in a checkout puts it in .venv/bin/mira) and put it on PATH,',
      "or give the full path: vim.lsp.config('mira', { cmd = { '/path/to/mira', 'serve' } })",
    })
    return false
  end
  ok('server command: ' .. exe)
  local output = vim.fn.system(version_cmd(cmd))
  local version = output:match('mira%s+([%w%.%-%+]+)')
  if vim.v.shell_error ~= 0 or not version then
    err('`' .. table.concat(version_cmd(cmd), ' ') .. '` failed: ' .. vim.trim(output))
    return false
  end
  ok('version ' .. version)
  return true
end

local function check_index(mira)
  local clients = {}
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ name = 'mira' })
  else
    for _, c in pairs(vim.lsp.get_active_clients()) do
      if c.name == 'mira' then table.insert(clients, c) end
    end
  end
  if #clients == 0 then
    warn('Mira is not running in this session', {
      'Open a file in a git repository; the index state is shown for running servers.' })
    return
  end
  for _, client in ipairs(clients) do
    local response
    if vim.fn.has('nvim-0.11') == 1 then
      response = client:request_sync('mira/status', {}, 5000, 0)
    else
      response = client.request_sync('mira/status', {}, 5000, 0)
    end
    if not response or response.err or not response.result then
      err('mira/status failed: ' .. ((response and response.err and response.err.message) or 'no answer'))
    else
      info('server ' .. (response.result.version or '?') .. ' (client ' .. client.id .. ')')
      for _, ws in ipairs(response.result.workspaces) do
        if #ws.repositories == 0 then
          warn(ws.root .. ': ' .. (ws.message or 'no git repository'))
        end
        for _, repo in ipairs(ws.repositories) do
          local line = string.format('%s: %s, %d commits indexed', repo.root, repo.state, repo.commitsIndexed)
          if repo.message and repo.message ~= vim.NIL then line = line .. ' (' .. repo.message .. ')' end
          if repo.state == 'ready' or repo.state == 'empty' then
            ok(line)
          elseif repo.state == 'error' then
            err(line)
          else
            info(line)
          end
        end
      end
    end
  end
end

function M.check()
  local mira = require('mira')
  start('Mira server')
  if vim.fn.has('nvim-0.7') == 0 then
    err('Neovim 0.7 or newer is needed')
    return
  end
  check_server(mira)
  start('Mira index')
  check_index(mira)
end

return M

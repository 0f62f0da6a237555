# fish completion for shipctl.
# Load it with:  shipctl completions fish | source
# or save it as ~/.config/fish/completions/shipctl.fish.
# The candidates (commands, options, the job's resource and field names) come
# from `shipctl __complete` at each TAB, so this file never goes stale.

function __shipctl_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l bin $tokens[1]
    string match -q -- '*/*' $bin; and test -x "$bin"; or set bin shipctl
    set -l reply (command $bin __complete fish (count $tokens) -- $tokens $current 2>/dev/null)
    set -l kind $reply[1]
    set -e reply[1]
    switch "$kind"
        case files
            __fish_complete_path $current
        case dirs
            __fish_complete_directories $current
        case values
            test (count $reply) -gt 0; and printf '%s\n' $reply
    end
end

complete -c shipctl -f -a '(__shipctl_complete)'

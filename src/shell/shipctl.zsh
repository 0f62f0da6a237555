#compdef shipctl
# zsh completion for shipctl.
# Load it with:  source <(shipctl completions zsh)   (after compinit)
# or save it as _shipctl in a folder of $fpath.
# The candidates (commands, options, the job's resource and field names) come
# from `shipctl __complete` at each TAB, so this file never goes stale.

_shipctl() {
    local bin=${words[1]/#\~/$HOME} kind
    local -a reply cands
    [[ $bin == */* && -x $bin ]] || bin=shipctl
    reply=("${(@f)$("$bin" __complete zsh $((CURRENT - 1)) -- "${(@)words[1,CURRENT]}" 2>/dev/null)}")
    kind=$reply[1]
    case $kind in
        files) _files ;;
        dirs) _files -/ ;;
        values)
            cands=("${(@)reply[2,-1]}")
            cands=("${(@)cands:#}")
            (( $#cands )) && _describe -t values shipctl cands
            ;;
        *) return 1 ;;
    esac
}

if [[ $zsh_eval_context[-1] == loadautoload ]]; then
    _shipctl "$@"
else
    compdef _shipctl shipctl
fi

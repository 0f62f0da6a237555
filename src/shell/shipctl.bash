# bash completion for shipctl.
# Load it with:  source <(shipctl completions bash)
# The candidates (commands, options, the job's resource and field names) come
# from `shipctl __complete` at each TAB, so this file never goes stale.

_shipctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} bin=${COMP_WORDS[0]} kind line
    local -a reply=()
    bin=${bin/#\~/$HOME}
    [[ $bin == */* && -x $bin ]] || bin=shipctl
    while IFS= read -r line; do
        reply+=("$line")
    done < <("$bin" __complete bash "$COMP_CWORD" -- "${COMP_WORDS[@]}" 2>/dev/null)
    kind=${reply[0]-}
    [[ $cur == = ]] && cur=
    COMPREPLY=()
    case $kind in
        files | dirs)
            compopt -o filenames 2>/dev/null
            while IFS= read -r line; do
                COMPREPLY+=("$line")
            done < <(if [[ $kind == dirs ]]; then compgen -d -- "$cur"; else compgen -f -- "$cur"; fi)
            ;;
        values)
            COMPREPLY=("${reply[@]:1}")
            ;;
    esac
}

complete -F _shipctl shipctl

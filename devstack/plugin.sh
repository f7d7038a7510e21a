#!/bin/bash
#
# Glare devstack plugin. devstack sources this file at each phase with the
# mode and the phase as arguments: "stack install", "stack post-config",
# "stack extra", "unstack", "clean" are handled; other phases do nothing.

if is_service_enabled glare; then
    # shellcheck source=lib/glare
    source "${BASH_SOURCE[0]%/*}/lib/glare"

    case "${1:-} ${2:-}" in
        "stack install")
            echo_summary "Installing Glare"
            install_glare
            install_glareclient
            ;;
        "stack post-config")
            echo_summary "Configuring Glare"
            configure_glare
            create_glare_accounts
            init_glare
            ;;
        "stack extra")
            echo_summary "Starting Glare"
            start_glare
            ;;
        "unstack "*)
            stop_glare
            ;;
        "clean "*)
            cleanup_glare
            ;;
    esac
fi

"""The web portal: server-rendered pages, no CDN, working offline."""

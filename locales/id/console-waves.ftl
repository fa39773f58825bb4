# Staff console: waves pages (ids start with c-).

# Staff console: roster pages (ids start with c-).

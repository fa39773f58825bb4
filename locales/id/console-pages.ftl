# Staff console: pages pages (ids start with c-).

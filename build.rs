fn main() {
    // sqlx::migrate! only notices edits to existing migrations; new files need this.
    println!("cargo:rerun-if-changed=migrations");
}

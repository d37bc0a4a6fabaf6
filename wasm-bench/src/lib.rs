//! Nothing here: the benchmark is `tests/replay_speed.rs`, and `build.rs` embeds the bundled
//! data files it reads (the test runner serves no files of ours).

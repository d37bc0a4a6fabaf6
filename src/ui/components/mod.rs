//! Small components shared by pages.

pub mod browser_check;

//! One file per page.

pub mod about;
pub mod agreement;
pub mod annotate;
pub mod compare;
pub mod explorer;
pub mod figure4;
pub mod home;
pub mod lab;
pub mod not_found;
pub mod rejudge;

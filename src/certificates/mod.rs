//! What a certificate looks like outside the service: its verification code, the signed
//! credential (Open Badges 3.0 as a VC-JWT), the PDF and QR codes.

pub mod code;
pub mod credential;
pub mod pdf;
pub mod qr;

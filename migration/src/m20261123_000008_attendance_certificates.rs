//! Attendance (one record per registration and session, with its audit trail),
//! completions, certificates with their accreditations and history, and the fixed-window
//! counters behind rate limits (check-in codes, certificate verification).

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;
use crate::m20261123_000002_users::Users;
use crate::m20261123_000004_catalog::{Courses, Editions};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Attendance {
    Table,
    RegistrationId,
    SessionId,
    Status,
    Note,
    MarkedByKind,
    MarkedById,
    MarkedAt,
    CheckedInAt,
    CheckedOutAt,
}

#[derive(DeriveIden)]
enum AttendanceEvents {
    Table,
    Id,
    RegistrationId,
    SessionId,
    Action,
    FromStatus,
    ToStatus,
    FromNote,
    ToNote,
    ActorKind,
    ActorId,
    At,
}

#[derive(DeriveIden)]
enum Completions {
    Table,
    RegistrationId,
    EditionId,
    UserId,
    CompletedOn,
    SessionsAttended,
    SessionsCounted,
    Source,
    DecidedByKind,
    DecidedById,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    Code,
    RegistrationId,
    UserId,
    EditionId,
    CourseId,
    HolderName,
    CourseTitle,
    CourseKind,
    Hours,
    FirstDay,
    LastDay,
    CompletedOn,
    Issuer,
    IssuedAt,
    Status,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum CertificateAccreditations {
    Table,
    CertificateId,
    Register,
    AccreditationNumber,
    Points,
    HolderNumber,
}

#[derive(DeriveIden)]
enum CertificateEvents {
    Table,
    Id,
    CertificateId,
    Action,
    Reason,
    ActorKind,
    ActorId,
    At,
}

#[derive(DeriveIden)]
enum RateCounters {
    Table,
    Key,
    WindowStart,
    Hits,
}

const ATTENDANCE: [&str; 4] = ["present", "late", "excused", "absent"];
const ACTORS: [&str; 3] = ["user", "client", "system"];

fn nullable_enum<T: IntoIden + 'static>(name: T, len: u32, values: &[&str]) -> ColumnDef {
    let name = name.into_iden();
    let mut col = ColumnDef::new(name.clone());
    col.string_len(len)
        .null()
        .check(Expr::col(name).is_in(values.iter().map(|v| String::from(*v))));
    col
}

fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attendance::Table)
                    .col(uuid(Attendance::RegistrationId))
                    .col(uuid(Attendance::SessionId))
                    .col(enum_string(Attendance::Status, 10, &ATTENDANCE))
                    .col(string_len_null(Attendance::Note, 500))
                    .col(enum_string(Attendance::MarkedByKind, 10, &ACTORS))
                    .col(uuid_null(Attendance::MarkedById))
                    .col(timestamp_with_time_zone(Attendance::MarkedAt))
                    .col(timestamp_with_time_zone_null(Attendance::CheckedInAt))
                    .col(timestamp_with_time_zone_null(Attendance::CheckedOutAt))
                    .primary_key(
                        Index::create()
                            .col(Attendance::RegistrationId)
                            .col(Attendance::SessionId),
                    )
                    .foreign_key(&mut cascade(
                        "fk_attendance_registration",
                        (Attendance::Table, Attendance::RegistrationId),
                        (Registrations::Table, Registrations::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_attendance_session",
                        (Attendance::Table, Attendance::SessionId),
                        (Sessions::Table, Sessions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_attendance_session")
                    .table(Attendance::Table)
                    .col(Attendance::SessionId)
                    .col(Attendance::RegistrationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttendanceEvents::Table)
                    .col(pk_uuid(AttendanceEvents::Id))
                    .col(uuid(AttendanceEvents::RegistrationId))
                    .col(uuid(AttendanceEvents::SessionId))
                    .col(enum_string(
                        AttendanceEvents::Action,
                        12,
                        &["marked", "checked_in", "checked_out"],
                    ))
                    .col(nullable_enum(AttendanceEvents::FromStatus, 10, &ATTENDANCE))
                    .col(enum_string(AttendanceEvents::ToStatus, 10, &ATTENDANCE))
                    .col(string_len_null(AttendanceEvents::FromNote, 500))
                    .col(string_len_null(AttendanceEvents::ToNote, 500))
                    .col(enum_string(AttendanceEvents::ActorKind, 10, &ACTORS))
                    .col(uuid_null(AttendanceEvents::ActorId))
                    .col(timestamp_with_time_zone(AttendanceEvents::At))
                    .foreign_key(&mut cascade(
                        "fk_attendance_events_registration",
                        (AttendanceEvents::Table, AttendanceEvents::RegistrationId),
                        (Registrations::Table, Registrations::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_attendance_events_session",
                        (AttendanceEvents::Table, AttendanceEvents::SessionId),
                        (Sessions::Table, Sessions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_attendance_events_session")
                    .table(AttendanceEvents::Table)
                    .col(AttendanceEvents::SessionId)
                    .col(AttendanceEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Completions::Table)
                    .col(pk_uuid(Completions::RegistrationId))
                    .col(uuid(Completions::EditionId))
                    .col(uuid(Completions::UserId))
                    .col(date(Completions::CompletedOn))
                    .col(integer(Completions::SessionsAttended))
                    .col(integer(Completions::SessionsCounted))
                    .col(enum_string(
                        Completions::Source,
                        10,
                        &["attendance", "marked"],
                    ))
                    .col(enum_string(Completions::DecidedByKind, 10, &ACTORS))
                    .col(uuid_null(Completions::DecidedById))
                    .col(timestamp_with_time_zone(Completions::DecidedAt))
                    .foreign_key(&mut cascade(
                        "fk_completions_registration",
                        (Completions::Table, Completions::RegistrationId),
                        (Registrations::Table, Registrations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_completions_edition", Completions::EditionId),
            ("ix_completions_user", Completions::UserId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Completions::Table)
                        .col(col)
                        .col(Completions::CompletedOn)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(pk_uuid(Certificates::Id))
                    .col(string_len_uniq(Certificates::Code, 16))
                    .col(uuid_uniq(Certificates::RegistrationId))
                    .col(uuid(Certificates::UserId))
                    .col(uuid(Certificates::EditionId))
                    .col(uuid(Certificates::CourseId))
                    .col(string_len(Certificates::HolderName, 200))
                    .col(string_len(Certificates::CourseTitle, 200))
                    .col(string_len(Certificates::CourseKind, 16))
                    .col(double_null(Certificates::Hours))
                    .col(date_null(Certificates::FirstDay))
                    .col(date_null(Certificates::LastDay))
                    .col(date(Certificates::CompletedOn))
                    .col(string_len(Certificates::Issuer, 200))
                    .col(timestamp_with_time_zone(Certificates::IssuedAt))
                    .col(enum_string(Certificates::Status, 10, &["valid", "revoked"]))
                    .col(timestamp_with_time_zone_null(Certificates::RevokedAt))
                    .col(string_len_null(Certificates::RevokedReason, 500))
                    .foreign_key(&mut cascade(
                        "fk_certificates_registration",
                        (Certificates::Table, Certificates::RegistrationId),
                        (Registrations::Table, Registrations::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_user")
                            .from(Certificates::Table, Certificates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_edition")
                            .from(Certificates::Table, Certificates::EditionId)
                            .to(Editions::Table, Editions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_course")
                            .from(Certificates::Table, Certificates::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_certificates_user", Certificates::UserId),
            ("ix_certificates_edition", Certificates::EditionId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Certificates::Table)
                        .col(col)
                        .col(Certificates::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CertificateAccreditations::Table)
                    .col(uuid(CertificateAccreditations::CertificateId))
                    .col(enum_string(
                        CertificateAccreditations::Register,
                        16,
                        &["SKJ", "BIG", "NIP", "NVO", "other"],
                    ))
                    .col(string_len(
                        CertificateAccreditations::AccreditationNumber,
                        100,
                    ))
                    .col(double(CertificateAccreditations::Points))
                    .col(string_len_null(
                        CertificateAccreditations::HolderNumber,
                        100,
                    ))
                    .primary_key(
                        Index::create()
                            .col(CertificateAccreditations::CertificateId)
                            .col(CertificateAccreditations::Register),
                    )
                    .foreign_key(&mut cascade(
                        "fk_certificate_accreditations_certificate",
                        (
                            CertificateAccreditations::Table,
                            CertificateAccreditations::CertificateId,
                        ),
                        (Certificates::Table, Certificates::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertificateEvents::Table)
                    .col(pk_uuid(CertificateEvents::Id))
                    .col(uuid(CertificateEvents::CertificateId))
                    .col(enum_string(
                        CertificateEvents::Action,
                        12,
                        &["issued", "revoked", "reinstated"],
                    ))
                    .col(string_len_null(CertificateEvents::Reason, 500))
                    .col(enum_string(CertificateEvents::ActorKind, 10, &ACTORS))
                    .col(uuid_null(CertificateEvents::ActorId))
                    .col(timestamp_with_time_zone(CertificateEvents::At))
                    .foreign_key(&mut cascade(
                        "fk_certificate_events_certificate",
                        (CertificateEvents::Table, CertificateEvents::CertificateId),
                        (Certificates::Table, Certificates::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_certificate_events_certificate")
                    .table(CertificateEvents::Table)
                    .col(CertificateEvents::CertificateId)
                    .col(CertificateEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateCounters::Table)
                    .col(string_len(RateCounters::Key, 200).primary_key())
                    .col(timestamp_with_time_zone(RateCounters::WindowStart))
                    .col(integer(RateCounters::Hits))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RateCounters::Table.into_iden(),
            CertificateEvents::Table.into_iden(),
            CertificateAccreditations::Table.into_iden(),
            Certificates::Table.into_iden(),
            Completions::Table.into_iden(),
            AttendanceEvents::Table.into_iden(),
            Attendance::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

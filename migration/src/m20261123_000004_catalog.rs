//! The catalogue: courses with topics and accreditations, editions with trainers, sessions.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;
use crate::m20261123_000002_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Courses {
    Table,
    Id,
    Title,
    Kind,
    Description,
    TargetAudience,
    Hours,
    MinAttendancePercent,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CourseTopics {
    Table,
    CourseId,
    Topic,
}

#[derive(DeriveIden)]
enum Accreditations {
    Table,
    CourseId,
    Register,
    Number,
    Points,
    ValidFrom,
    ValidUntil,
}

#[derive(DeriveIden)]
pub(crate) enum Editions {
    Table,
    Id,
    CourseId,
    Status,
    Capacity,
    WaitlistEnabled,
    RequiresApproval,
    RegistrationOpensAt,
    RegistrationClosesAt,
    CancellationDeadline,
    Location,
    OnlineUrl,
    FirstSessionAt,
    LastSessionAt,
    SortAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EditionTrainers {
    Table,
    EditionId,
    UserId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    EditionId,
    StartsAt,
    EndsAt,
    Location,
    OnlineUrl,
    Status,
    Revision,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(pk_uuid(Courses::Id))
                    .col(string_len(Courses::Title, 200))
                    .col(enum_string(
                        Courses::Kind,
                        16,
                        &["lecture", "workshop", "training", "symposium", "elearning"],
                    ))
                    .col(text(Courses::Description))
                    .col(string_len_null(Courses::TargetAudience, 500))
                    .col(double_null(Courses::Hours))
                    .col(
                        double(Courses::MinAttendancePercent).check(
                            Expr::col(Courses::MinAttendancePercent)
                                .gt(0)
                                .and(Expr::col(Courses::MinAttendancePercent).lte(100)),
                        ),
                    )
                    .col(timestamp_with_time_zone_null(Courses::ArchivedAt))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .col(timestamp_with_time_zone(Courses::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CourseTopics::Table)
                    .col(uuid(CourseTopics::CourseId))
                    .col(string_len(CourseTopics::Topic, 64))
                    .primary_key(
                        Index::create()
                            .col(CourseTopics::CourseId)
                            .col(CourseTopics::Topic),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_topics_course")
                            .from(CourseTopics::Table, CourseTopics::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_course_topics_topic")
                    .table(CourseTopics::Table)
                    .col(CourseTopics::Topic)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Accreditations::Table)
                    .col(uuid(Accreditations::CourseId))
                    .col(enum_string(
                        Accreditations::Register,
                        16,
                        &["SKJ", "BIG", "NIP", "NVO", "other"],
                    ))
                    .col(string_len(Accreditations::Number, 64))
                    .col(
                        double(Accreditations::Points)
                            .check(Expr::col(Accreditations::Points).gte(0)),
                    )
                    .col(date_null(Accreditations::ValidFrom))
                    .col(date_null(Accreditations::ValidUntil))
                    .primary_key(
                        Index::create()
                            .col(Accreditations::CourseId)
                            .col(Accreditations::Register),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_accreditations_course")
                            .from(Accreditations::Table, Accreditations::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Editions::Table)
                    .col(pk_uuid(Editions::Id))
                    .col(uuid(Editions::CourseId))
                    .col(enum_string(
                        Editions::Status,
                        16,
                        &["draft", "published", "closed", "cancelled"],
                    ))
                    .col(integer(Editions::Capacity).check(Expr::col(Editions::Capacity).gte(1)))
                    .col(boolean(Editions::WaitlistEnabled))
                    .col(boolean(Editions::RequiresApproval))
                    .col(timestamp_with_time_zone_null(Editions::RegistrationOpensAt))
                    .col(timestamp_with_time_zone_null(
                        Editions::RegistrationClosesAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        Editions::CancellationDeadline,
                    ))
                    .col(string_len_null(Editions::Location, 500))
                    .col(string_len_null(Editions::OnlineUrl, 2000))
                    .col(timestamp_with_time_zone_null(Editions::FirstSessionAt))
                    .col(timestamp_with_time_zone_null(Editions::LastSessionAt))
                    .col(timestamp_with_time_zone(Editions::SortAt))
                    .col(timestamp_with_time_zone(Editions::CreatedAt))
                    .col(timestamp_with_time_zone(Editions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_editions_course")
                            .from(Editions::Table, Editions::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_editions_course", vec![Editions::CourseId]),
            (
                "ix_editions_status_sort",
                vec![Editions::Status, Editions::SortAt, Editions::Id],
            ),
            ("ix_editions_sort", vec![Editions::SortAt, Editions::Id]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Editions::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EditionTrainers::Table)
                    .col(uuid(EditionTrainers::EditionId))
                    .col(uuid(EditionTrainers::UserId))
                    .primary_key(
                        Index::create()
                            .col(EditionTrainers::EditionId)
                            .col(EditionTrainers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_edition_trainers_edition")
                            .from(EditionTrainers::Table, EditionTrainers::EditionId)
                            .to(Editions::Table, Editions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_edition_trainers_user")
                            .from(EditionTrainers::Table, EditionTrainers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_edition_trainers_user")
                    .table(EditionTrainers::Table)
                    .col(EditionTrainers::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::EditionId))
                    .col(timestamp_with_time_zone(Sessions::StartsAt))
                    .col(timestamp_with_time_zone(Sessions::EndsAt))
                    .col(string_len_null(Sessions::Location, 500))
                    .col(string_len_null(Sessions::OnlineUrl, 2000))
                    .col(enum_string(
                        Sessions::Status,
                        16,
                        &["scheduled", "cancelled"],
                    ))
                    .col(integer(Sessions::Revision))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::UpdatedAt))
                    .check(Expr::col(Sessions::StartsAt).lt(Expr::col(Sessions::EndsAt)))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_edition")
                            .from(Sessions::Table, Sessions::EditionId)
                            .to(Editions::Table, Editions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_edition_start")
                    .table(Sessions::Table)
                    .col(Sessions::EditionId)
                    .col(Sessions::StartsAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Sessions::Table.into_iden(),
            EditionTrainers::Table.into_iden(),
            Editions::Table.into_iden(),
            Accreditations::Table.into_iden(),
            CourseTopics::Table.into_iden(),
            Courses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

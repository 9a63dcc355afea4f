//! Users, their roles and register memberships, and who may manage whom:
//! admins manage everyone; HR manages the people of their own organisation and cannot
//! grant admin or touch admins; everyone may read themself.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use entity::{ApprovalMails, Locale, Register, Role, register_membership, user, user_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::organizations;
use super::paging::PageRequest;
use super::values::{self, Email, Password, keep, text};
use crate::auth::password;
use crate::auth::tokens::{Principal, SubjectKind};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult, FieldError};

/// A register membership as given by a client.
#[derive(Debug, Clone)]
pub struct RegisterInput {
    /// The register.
    pub register: Register,
    /// Registration number.
    pub number: String,
    /// Start of the current 5-year period.
    pub period_start: NaiveDate,
}

/// A new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// E-mail address (unique, case-insensitive).
    pub email: String,
    /// Full name.
    pub name: String,
    /// Organisation.
    pub organization_id: Uuid,
    /// Roles (at least one).
    pub roles: Vec<Role>,
    /// Register memberships.
    pub registers: Vec<RegisterInput>,
    /// Initial password; without one the user is sent an invitation to choose one.
    pub password: Option<String>,
    /// The language of their mails (Dutch when not given).
    pub locale: Option<Locale>,
    /// Without a password: mail an invitation to choose one.
    pub invite: bool,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// New e-mail address.
    pub email: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New organisation (admins only).
    pub organization_id: Option<Uuid>,
    /// New set of roles.
    pub roles: Option<Vec<Role>>,
    /// New set of register memberships (replaces all).
    pub registers: Option<Vec<RegisterInput>>,
    /// New password.
    pub password: Option<String>,
    /// Disable (true) or re-enable (false) sign-in.
    pub disabled: Option<bool>,
}

/// A user with roles and register memberships.
#[derive(Debug, Clone)]
pub struct UserView {
    /// The user row.
    pub user: user::Model,
    /// Roles, sorted.
    pub roles: Vec<Role>,
    /// Memberships.
    pub registers: Vec<register_membership::Model>,
}

/// Lists users visible to the actor: admins see all (optionally one organisation), HR
/// and partner clients with `users:read` their own organisation only.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Principal,
    organization_id: Option<Uuid>,
    page: PageRequest,
) -> DomainResult<(Vec<UserView>, Option<String>)> {
    let org_scope = if actor.is_admin() {
        organization_id
    } else if actor.has_role(Role::Hr) || actor.has_scope("users:read") {
        let own = actor
            .org
            .ok_or_else(|| DomainError::forbidden("no organization"))?;
        if organization_id.is_some_and(|o| o != own) {
            return Err(DomainError::forbidden(
                "you can list the people of your own organization only",
            ));
        }
        Some(own)
    } else {
        return Err(DomainError::forbidden(
            "listing users is for admins, HR and partner clients with users:read",
        ));
    };
    let mut q = user::Entity::find().order_by_asc(user::Column::Id);
    if let Some(org) = org_scope {
        q = q.filter(user::Column::OrganizationId.eq(org));
    }
    if let Some(after) = page.after {
        q = q.filter(user::Column::Id.gt(after));
    }
    let rows = q.limit(page.fetch()).all(db).await?;
    let (rows, next) = page.finish(rows, |u| u.id);
    Ok((with_details(db, rows).await?, next))
}

/// One user, if the actor may see them.
pub async fn get(db: &DatabaseConnection, actor: &Principal, id: Uuid) -> DomainResult<UserView> {
    let view = load_by_id(db, id).await?;
    let user = &view.user;
    let reads = actor.has_scope("users:read") && actor.org == Some(user.organization_id);
    if !((actor.kind == SubjectKind::User && actor.id == id) || manages(actor, user) || reads) {
        return Err(DomainError::NotFound("user"));
    }
    Ok(view)
}

/// A user with one of their roles and one of their memberships: the rows of users ⟕
/// roles ⟕ memberships.
#[derive(Debug, sea_orm::DerivePartialModel)]
#[sea_orm(entity = "user::Entity")]
struct UserRow {
    #[sea_orm(nested)]
    user: user::Model,
    #[sea_orm(nested)]
    role: Option<user_role::Model>,
    #[sea_orm(nested)]
    membership: Option<register_membership::Model>,
}

/// A user with roles and memberships, in one query (users ⟕ roles ⟕ memberships).
pub async fn load_by_id(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<UserView> {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::{Expr, ExprTrait};

    let mut q = user::Entity::find();
    QueryTrait::query(&mut q)
        .left_join(
            user_role::Entity,
            Expr::col((user_role::Entity, user_role::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .left_join(
            register_membership::Entity,
            Expr::col((
                register_membership::Entity,
                register_membership::Column::UserId,
            ))
            .equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(id));
    let rows = q.into_partial_model::<UserRow>().all(db).await?;
    let first = rows.first().ok_or(DomainError::NotFound("user"))?;
    let user = first.user.clone();
    let mut roles = BTreeSet::new();
    let mut registers: Vec<register_membership::Model> = Vec::new();
    for row in rows {
        if let Some(r) = row.role {
            roles.insert(r.role);
        }
        if let Some(m) = row.membership
            && !registers.iter().any(|r| r.register == m.register)
        {
            registers.push(m);
        }
    }
    registers.sort_by_key(|m| m.register.to_string_value());
    Ok(UserView {
        user,
        roles: roles.into_iter().collect(),
        registers,
    })
}

/// Creates a user, checking the actor's right to create in that organisation with
/// those roles.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Principal,
    input: NewUser,
) -> DomainResult<UserView> {
    let mut errors = Vec::new();
    let email = keep(&mut errors, Email::parse("email", &input.email));
    let name = keep(&mut errors, text("name", &input.name, 200));
    let roles = keep(&mut errors, parse_roles(&input.roles));
    let registers = keep(&mut errors, parse_registers(&input.registers));
    let password = match &input.password {
        Some(p) => keep(&mut errors, Password::parse("password", p)).map(Some),
        None => Some(None),
    };
    let (Some(email), Some(name), Some(roles), Some(registers), Some(password)) =
        (email, name, roles, registers, password)
    else {
        return Err(DomainError::Validation(errors));
    };
    authorize_manage(actor, input.organization_id, &[], &roles)?;
    organizations::referenced(db, input.organization_id).await?;
    let password_hash = match password {
        Some(p) => Some(
            password::hash(p.expose().to_owned())
                .await
                .map_err(DomainError::Internal)?,
        ),
        None => None,
    };
    let txn = begin_write(db).await?;
    ensure_email_free(&txn, &email, None).await?;
    let now = super::now();
    let user = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(Some(email.into_inner())),
        name: Set(name),
        organization_id: Set(input.organization_id),
        password_hash: Set(password_hash),
        disabled_at: Set(None),
        token_version: Set(0),
        locale: Set(input.locale.unwrap_or(Locale::Nl)),
        reminders: Set(true),
        approval_mails: Set(ApprovalMails::PerRequest),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(map_unique)?;
    replace_roles(&txn, user.id, &roles).await?;
    replace_registers(&txn, user.id, &registers).await?;
    if user.password_hash.is_none() && input.invite {
        super::accounts::send_link(&txn, user.id, entity::AccountTokenPurpose::Invitation, now)
            .await?;
    }
    txn.commit().await?;
    load(db, user).await
}

/// Applies a patch, checking the actor's right on both the user as it is and as it
/// will be.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    patch: UserPatch,
) -> DomainResult<UserView> {
    let current = load_by_id(db, id).await?;
    if !manages(actor, &current.user) {
        return Err(DomainError::NotFound("user"));
    }
    refuse_erased(db, id).await?;
    let mut errors = Vec::new();
    let email = patch
        .email
        .as_deref()
        .map(|e| keep(&mut errors, Email::parse("email", e)));
    let name = patch
        .name
        .as_deref()
        .map(|n| keep(&mut errors, text("name", n, 200)));
    let roles = patch
        .roles
        .as_deref()
        .map(|r| keep(&mut errors, parse_roles(r)));
    let registers = patch
        .registers
        .as_deref()
        .map(|r| keep(&mut errors, parse_registers(r)));
    let new_password = patch
        .password
        .as_deref()
        .map(|p| keep(&mut errors, Password::parse("password", p)));
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let email = email.flatten();
    let name = name.flatten();
    let roles = roles.flatten();
    let registers = registers.flatten();
    let new_password = new_password.flatten();

    let (target_org, _) = check_update(actor, id, &current, &patch, roles.as_deref())?;
    if patch.organization_id.is_some() {
        organizations::referenced(db, target_org).await?;
    }
    let password_hash = match new_password {
        Some(p) => Some(
            password::hash(p.expose().to_owned())
                .await
                .map_err(DomainError::Internal)?,
        ),
        None => None,
    };

    let txn = begin_write(db).await?;
    // Decide again on the row as it is now, locked: a concurrent change (say, an admin
    // promoting this user) must not be overtaken by a check made before it.
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        user::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&txn)
            .await?;
    }
    let current = load_by_id(&txn, id).await?;
    if !manages(actor, &current.user) {
        return Err(DomainError::NotFound("user"));
    }
    refuse_erased(&txn, id).await?;
    let (target_org, target_roles) = check_update(actor, id, &current, &patch, roles.as_deref())?;
    let mut model: user::ActiveModel = current.user.clone().into();
    if let Some(email) = email {
        ensure_email_free(&txn, &email, Some(id)).await?;
        model.email = Set(Some(email.into_inner()));
    }
    if let Some(name) = name {
        model.name = Set(name);
    }
    model.organization_id = Set(target_org);
    if let Some(hash) = password_hash {
        model.password_hash = Set(Some(hash));
    }
    match patch.disabled {
        Some(true) if current.user.disabled_at.is_none() => {
            model.disabled_at = Set(Some(super::now()))
        }
        Some(false) => model.disabled_at = Set(None),
        _ => {}
    }
    model.updated_at = Set(super::now());
    model.update(&txn).await.map_err(map_unique)?;
    if let Some(roles) = &roles {
        replace_roles(&txn, id, roles).await?;
    }
    if let Some(registers) = &registers {
        replace_registers(&txn, id, registers).await?;
    }
    let disabling = patch.disabled == Some(true) && current.user.disabled_at.is_none();
    if disabling || patch.password.is_some() {
        super::auth::revoke_all_for_user(&txn, id).await?;
    }
    // Access tokens carry roles and organisation, and were given for a password: any
    // change of these ends them (a refresh, where still allowed, gives new ones).
    if disabling
        || patch.password.is_some()
        || target_org != current.user.organization_id
        || target_roles != current.roles
    {
        crate::auth::access::end_access(&txn, id).await?;
    }
    txn.commit().await?;
    load_by_id(db, id).await
}

/// Changes to a person's own mail preferences; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct Preferences {
    /// The language of mails and pages.
    pub locale: Option<Locale>,
    /// Reminders before sessions.
    pub reminders: Option<bool>,
    /// For HR: per request or a daily digest.
    pub approval_mails: Option<ApprovalMails>,
}

/// Sets a person's own preferences.
pub async fn set_preferences(
    db: &DatabaseConnection,
    id: Uuid,
    prefs: Preferences,
) -> DomainResult<UserView> {
    let current = find(db, id).await?;
    let mut model: user::ActiveModel = current.into();
    if let Some(v) = prefs.locale {
        model.locale = Set(v);
    }
    if let Some(v) = prefs.reminders {
        model.reminders = Set(v);
    }
    if let Some(v) = prefs.approval_mails {
        model.approval_mails = Set(v);
    }
    model.updated_at = Set(super::now());
    let user = model.update(db).await?;
    load(db, user).await
}

/// Refuses every change to a person whose data was erased: erasure is final.
async fn refuse_erased(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<()> {
    if entity::erasure::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some()
    {
        return Err(DomainError::conflict(
            "user_erased",
            "this person's data was erased; the account cannot be changed or restored",
        ));
    }
    Ok(())
}

/// The rules of a change to a user, on the user as read: who may make it, and the
/// changes an admin may not make to themself. Returns the organisation and roles after it.
fn check_update(
    actor: &Principal,
    id: Uuid,
    current: &UserView,
    patch: &UserPatch,
    roles: Option<&[Role]>,
) -> DomainResult<(Uuid, Vec<Role>)> {
    let target_org = patch
        .organization_id
        .unwrap_or(current.user.organization_id);
    let target_roles = roles.map_or_else(|| current.roles.clone(), <[Role]>::to_vec);
    authorize_manage(actor, target_org, &current.roles, &target_roles)?;
    if actor.id == id
        && current.roles.contains(&Role::Admin)
        && !target_roles.contains(&Role::Admin)
    {
        return Err(DomainError::conflict(
            "cannot_remove_own_admin",
            "an admin cannot take the admin role from themself",
        ));
    }
    if actor.id == id && patch.disabled == Some(true) {
        return Err(DomainError::conflict(
            "cannot_disable_self",
            "you cannot disable your own account",
        ));
    }
    Ok((target_org, target_roles))
}

/// Creates an admin (bootstrap and command line), or gives an existing user of that
/// address the admin role and the password.
pub async fn create_admin(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> DomainResult<UserView> {
    let email = Email::parse("email", email).map_err(|e| DomainError::Validation(vec![e]))?;
    let password =
        Password::parse("password", password).map_err(|e| DomainError::Validation(vec![e]))?;
    let hash = password::hash(password.expose().to_owned())
        .await
        .map_err(DomainError::Internal)?;
    let academy = organizations::academy(db).await?;
    let txn = db.begin().await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let user = match existing {
        Some(u) => {
            let mut m: user::ActiveModel = u.into();
            m.password_hash = Set(Some(hash));
            m.disabled_at = Set(None);
            m.updated_at = Set(super::now());
            let user = m.update(&txn).await?;
            // A new password ends the sign-ins made with the old one.
            super::auth::revoke_all_for_user(&txn, user.id).await?;
            crate::auth::access::end_access(&txn, user.id).await?;
            user
        }
        None => {
            let now = super::now();
            let name = email
                .as_str()
                .split('@')
                .next()
                .unwrap_or("admin")
                .to_owned();
            user::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(Some(email.into_inner())),
                name: Set(name),
                organization_id: Set(academy.id),
                password_hash: Set(Some(hash)),
                disabled_at: Set(None),
                token_version: Set(0),
                locale: Set(Locale::Nl),
                reminders: Set(true),
                approval_mails: Set(ApprovalMails::PerRequest),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    let mut roles = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect::<BTreeSet<_>>();
    roles.insert(Role::Admin);
    replace_roles(&txn, user.id, &roles.into_iter().collect::<Vec<_>>()).await?;
    txn.commit().await?;
    load_by_id(db, user.id).await
}

/// Whether any admin exists.
pub async fn admin_exists(db: &impl ConnectionTrait) -> DomainResult<bool> {
    Ok(user_role::Entity::find()
        .filter(user_role::Column::Role.eq(Role::Admin))
        .one(db)
        .await?
        .is_some())
}

/// Finds a user row by id.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("user"))
}

/// A user with roles and memberships.
pub async fn load(db: &impl ConnectionTrait, user: user::Model) -> DomainResult<UserView> {
    let roles = super::roles::roles_of(db, user.id).await?;
    let mut registers = user
        .find_related(register_membership::Entity)
        .all(db)
        .await?;
    registers.sort_by_key(|r| r.register.to_string_value());
    Ok(UserView {
        user,
        roles,
        registers,
    })
}

trait RegisterOrder {
    fn to_string_value(&self) -> String;
}

impl RegisterOrder for Register {
    fn to_string_value(&self) -> String {
        use sea_orm::ActiveEnum;
        self.to_value()
    }
}

async fn with_details(
    db: &impl ConnectionTrait,
    users: Vec<user::Model>,
) -> DomainResult<Vec<UserView>> {
    let ids = users.iter().map(|u| u.id).collect::<Vec<_>>();
    let mut roles: HashMap<Uuid, Vec<Role>> = HashMap::new();
    for r in user_role::Entity::find()
        .filter(user_role::Column::UserId.is_in(ids.clone()))
        .all(db)
        .await?
    {
        roles.entry(r.user_id).or_default().push(r.role);
    }
    let mut registers: HashMap<Uuid, Vec<register_membership::Model>> = HashMap::new();
    for m in register_membership::Entity::find()
        .filter(register_membership::Column::UserId.is_in(ids))
        .all(db)
        .await?
    {
        registers.entry(m.user_id).or_default().push(m);
    }
    Ok(users
        .into_iter()
        .map(|user| {
            let mut r = roles.remove(&user.id).unwrap_or_default();
            r.sort();
            let mut regs = registers.remove(&user.id).unwrap_or_default();
            regs.sort_by_key(|m| m.register.to_string_value());
            UserView {
                user,
                roles: r,
                registers: regs,
            }
        })
        .collect())
}

/// Whether the actor manages this user: admins everyone, HR the people of their own
/// organisation. Others do not see the user at all.
fn manages(actor: &Principal, user: &user::Model) -> bool {
    actor.is_admin() || (actor.has_role(Role::Hr) && actor.org == Some(user.organization_id))
}

/// Admins may do anything; HR only within their organisation, never with admins.
fn authorize_manage(
    actor: &Principal,
    target_org: Uuid,
    current_roles: &[Role],
    new_roles: &[Role],
) -> DomainResult<()> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.has_role(Role::Hr) {
        return Err(DomainError::forbidden(
            "managing users is for admins and HR",
        ));
    }
    if actor.org != Some(target_org) {
        return Err(DomainError::forbidden(
            "HR manages the people of their own organization only",
        ));
    }
    if current_roles.contains(&Role::Admin) || new_roles.contains(&Role::Admin) {
        return Err(DomainError::forbidden(
            "only admins can grant or hold admin rights",
        ));
    }
    Ok(())
}

fn parse_roles(roles: &[Role]) -> Result<Vec<Role>, FieldError> {
    let set = roles.iter().copied().collect::<BTreeSet<_>>();
    if set.is_empty() {
        return Err(FieldError::new("roles", "at least one role is required"));
    }
    Ok(set.into_iter().collect())
}

fn parse_registers(input: &[RegisterInput]) -> Result<Vec<RegisterInput>, FieldError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, r) in input.iter().enumerate() {
        let number = text(&format!("registers[{i}].number"), &r.number, 64)?;
        if !seen.insert(r.register.to_string_value()) {
            return Err(FieldError::new(
                format!("registers[{i}].register"),
                "one membership per register",
            ));
        }
        let period_start = values::day(&format!("registers[{i}].period_start"), r.period_start)?;
        out.push(RegisterInput {
            register: r.register,
            number,
            period_start,
        });
    }
    Ok(out)
}

async fn ensure_email_free(
    db: &impl ConnectionTrait,
    email: &Email,
    except: Option<Uuid>,
) -> DomainResult<()> {
    let mut q = user::Entity::find().filter(user::Column::Email.eq(email.as_str()));
    if let Some(id) = except {
        q = q.filter(user::Column::Id.ne(id));
    }
    if q.one(db).await?.is_some() {
        return Err(email_taken());
    }
    Ok(())
}

fn email_taken() -> DomainError {
    DomainError::conflict(
        "email_taken",
        "a user with this e-mail address already exists",
    )
}

fn map_unique(err: sea_orm::DbErr) -> DomainError {
    match DomainError::from_db(err) {
        DomainError::Conflict {
            code: "conflict", ..
        } => email_taken(),
        other => other,
    }
}

async fn replace_roles(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    roles: &[Role],
) -> DomainResult<()> {
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if !roles.is_empty() {
        user_role::Entity::insert_many(roles.iter().map(|role| user_role::ActiveModel {
            user_id: Set(user_id),
            role: Set(*role),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn replace_registers(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    registers: &[RegisterInput],
) -> DomainResult<()> {
    register_membership::Entity::delete_many()
        .filter(register_membership::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if !registers.is_empty() {
        register_membership::Entity::insert_many(registers.iter().map(|r| {
            register_membership::ActiveModel {
                user_id: Set(user_id),
                register: Set(r.register),
                number: Set(r.number.clone()),
                period_start: Set(r.period_start),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

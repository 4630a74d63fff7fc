"""shops and account lifecycle

Shops with their category list (seeded with a default list a city can adapt), owners, images,
offers and change requests; hotspots of kind shop now point at a shop by foreign key. Accounts
get one-time links (invitations, password resets), two-factor secrets and an audit log.

Revision ID: d4e4a95d4f16
Revises: bc6503388f60
Created: 2026-11-22 06:37:19.360480
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tours.models.base

revision = 'd4e4a95d4f16'
down_revision = 'bc6503388f60'
branch_labels = None
depends_on = None


#: the default category list; admins adapt it (names, OSM tags, schema.org types) per city
DEFAULT_CATEGORIES = [
    {'key': 'bakery', 'osm_key': 'shop', 'osm_value': 'bakery', 'schema_type': 'Bakery', 'position': 0, 'label': {'de': 'Bäckerei', 'en': 'Bakery', 'es': 'Panadería', 'fr': 'Boulangerie'}},
    {'key': 'butcher', 'osm_key': 'shop', 'osm_value': 'butcher', 'schema_type': 'Store', 'position': 10, 'label': {'de': 'Metzgerei', 'en': 'Butcher', 'es': 'Carnicería', 'fr': 'Boucherie'}},
    {'key': 'greengrocer', 'osm_key': 'shop', 'osm_value': 'greengrocer', 'schema_type': 'GroceryStore', 'position': 20, 'label': {'de': 'Obst und Gemüse', 'en': 'Greengrocer', 'es': 'Frutería', 'fr': 'Primeur'}},
    {'key': 'supermarket', 'osm_key': 'shop', 'osm_value': 'supermarket', 'schema_type': 'GroceryStore', 'position': 30, 'label': {'de': 'Supermarkt', 'en': 'Supermarket', 'es': 'Supermercado', 'fr': 'Supermarché'}},
    {'key': 'deli', 'osm_key': 'shop', 'osm_value': 'deli', 'schema_type': 'Store', 'position': 40, 'label': {'de': 'Feinkost', 'en': 'Delicatessen', 'es': 'Tienda gourmet', 'fr': 'Épicerie fine'}},
    {'key': 'wine', 'osm_key': 'shop', 'osm_value': 'wine', 'schema_type': 'LiquorStore', 'position': 50, 'label': {'de': 'Weinhandlung', 'en': 'Wine shop', 'es': 'Vinoteca', 'fr': 'Caviste'}},
    {'key': 'cafe', 'osm_key': 'amenity', 'osm_value': 'cafe', 'schema_type': 'CafeOrCoffeeShop', 'position': 60, 'label': {'de': 'Café', 'en': 'Café', 'es': 'Cafetería', 'fr': 'Café'}},
    {'key': 'restaurant', 'osm_key': 'amenity', 'osm_value': 'restaurant', 'schema_type': 'Restaurant', 'position': 70, 'label': {'de': 'Restaurant', 'en': 'Restaurant', 'es': 'Restaurante', 'fr': 'Restaurant'}},
    {'key': 'fast_food', 'osm_key': 'amenity', 'osm_value': 'fast_food', 'schema_type': 'FastFoodRestaurant', 'position': 80, 'label': {'de': 'Imbiss', 'en': 'Fast food', 'es': 'Comida rápida', 'fr': 'Restauration rapide'}},
    {'key': 'ice_cream', 'osm_key': 'amenity', 'osm_value': 'ice_cream', 'schema_type': 'IceCreamShop', 'position': 90, 'label': {'de': 'Eisdiele', 'en': 'Ice cream', 'es': 'Heladería', 'fr': 'Glacier'}},
    {'key': 'bar', 'osm_key': 'amenity', 'osm_value': 'bar', 'schema_type': 'BarOrPub', 'position': 100, 'label': {'de': 'Bar', 'en': 'Bar', 'es': 'Bar', 'fr': 'Bar'}},
    {'key': 'clothes', 'osm_key': 'shop', 'osm_value': 'clothes', 'schema_type': 'ClothingStore', 'position': 110, 'label': {'de': 'Bekleidung', 'en': 'Clothes', 'es': 'Ropa', 'fr': 'Vêtements'}},
    {'key': 'shoes', 'osm_key': 'shop', 'osm_value': 'shoes', 'schema_type': 'ShoeStore', 'position': 120, 'label': {'de': 'Schuhe', 'en': 'Shoes', 'es': 'Zapatería', 'fr': 'Chaussures'}},
    {'key': 'jewelry', 'osm_key': 'shop', 'osm_value': 'jewelry', 'schema_type': 'JewelryStore', 'position': 130, 'label': {'de': 'Schmuck', 'en': 'Jewellery', 'es': 'Joyería', 'fr': 'Bijouterie'}},
    {'key': 'books', 'osm_key': 'shop', 'osm_value': 'books', 'schema_type': 'BookStore', 'position': 140, 'label': {'de': 'Buchhandlung', 'en': 'Books', 'es': 'Librería', 'fr': 'Librairie'}},
    {'key': 'stationery', 'osm_key': 'shop', 'osm_value': 'stationery', 'schema_type': 'Store', 'position': 150, 'label': {'de': 'Schreibwaren', 'en': 'Stationery', 'es': 'Papelería', 'fr': 'Papeterie'}},
    {'key': 'florist', 'osm_key': 'shop', 'osm_value': 'florist', 'schema_type': 'Florist', 'position': 160, 'label': {'de': 'Blumen', 'en': 'Florist', 'es': 'Floristería', 'fr': 'Fleuriste'}},
    {'key': 'gift', 'osm_key': 'shop', 'osm_value': 'gift', 'schema_type': 'Store', 'position': 170, 'label': {'de': 'Geschenke', 'en': 'Gifts', 'es': 'Regalos', 'fr': 'Cadeaux'}},
    {'key': 'toys', 'osm_key': 'shop', 'osm_value': 'toys', 'schema_type': 'ToyStore', 'position': 180, 'label': {'de': 'Spielwaren', 'en': 'Toys', 'es': 'Juguetería', 'fr': 'Jouets'}},
    {'key': 'electronics', 'osm_key': 'shop', 'osm_value': 'electronics', 'schema_type': 'ElectronicsStore', 'position': 190, 'label': {'de': 'Elektronik', 'en': 'Electronics', 'es': 'Electrónica', 'fr': 'Électronique'}},
    {'key': 'mobile_phone', 'osm_key': 'shop', 'osm_value': 'mobile_phone', 'schema_type': 'MobilePhoneStore', 'position': 200, 'label': {'de': 'Mobilfunk', 'en': 'Mobile phones', 'es': 'Telefonía móvil', 'fr': 'Téléphonie mobile'}},
    {'key': 'hardware', 'osm_key': 'shop', 'osm_value': 'hardware', 'schema_type': 'HardwareStore', 'position': 210, 'label': {'de': 'Eisenwaren', 'en': 'Hardware', 'es': 'Ferretería', 'fr': 'Quincaillerie'}},
    {'key': 'furniture', 'osm_key': 'shop', 'osm_value': 'furniture', 'schema_type': 'FurnitureStore', 'position': 220, 'label': {'de': 'Möbel', 'en': 'Furniture', 'es': 'Muebles', 'fr': 'Meubles'}},
    {'key': 'sports', 'osm_key': 'shop', 'osm_value': 'sports', 'schema_type': 'SportingGoodsStore', 'position': 230, 'label': {'de': 'Sport', 'en': 'Sports', 'es': 'Deportes', 'fr': 'Sport'}},
    {'key': 'bicycle', 'osm_key': 'shop', 'osm_value': 'bicycle', 'schema_type': 'BikeStore', 'position': 240, 'label': {'de': 'Fahrräder', 'en': 'Bicycles', 'es': 'Bicicletas', 'fr': 'Vélos'}},
    {'key': 'optician', 'osm_key': 'shop', 'osm_value': 'optician', 'schema_type': 'Optician', 'position': 250, 'label': {'de': 'Optiker', 'en': 'Optician', 'es': 'Óptica', 'fr': 'Opticien'}},
    {'key': 'pharmacy', 'osm_key': 'amenity', 'osm_value': 'pharmacy', 'schema_type': 'Pharmacy', 'position': 260, 'label': {'de': 'Apotheke', 'en': 'Pharmacy', 'es': 'Farmacia', 'fr': 'Pharmacie'}},
    {'key': 'hairdresser', 'osm_key': 'shop', 'osm_value': 'hairdresser', 'schema_type': 'HairSalon', 'position': 270, 'label': {'de': 'Friseur', 'en': 'Hairdresser', 'es': 'Peluquería', 'fr': 'Coiffeur'}},
    {'key': 'beauty', 'osm_key': 'shop', 'osm_value': 'beauty', 'schema_type': 'BeautySalon', 'position': 280, 'label': {'de': 'Kosmetik', 'en': 'Beauty', 'es': 'Estética', 'fr': 'Institut de beauté'}},
    {'key': 'art', 'osm_key': 'shop', 'osm_value': 'art', 'schema_type': 'Store', 'position': 290, 'label': {'de': 'Kunst und Galerie', 'en': 'Art', 'es': 'Arte', 'fr': 'Art'}},
    {'key': 'other', 'osm_key': 'shop', 'osm_value': 'yes', 'schema_type': 'Store', 'position': 300, 'label': {'de': 'Sonstiges', 'en': 'Other shop', 'es': 'Otra tienda', 'fr': 'Autre commerce'}},
]


def upgrade() -> None:
    op.create_table('shop_category',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('osm_key', sa.String(length=20), nullable=False),
    sa.Column('osm_value', sa.String(length=60), nullable=False),
    sa.Column('schema_type', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_shop_category'))
    )
    op.create_table('account_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('invitation', 'password_reset', name='account_link_purpose', native_enum=False, length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_account_link_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_account_link_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_link_token_hash'))
    )
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_link_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_link_user_id'), ['user_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_event_actor_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)

    op.create_table('shop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('category_key', sa.String(length=40), nullable=False),
    sa.Column('short_description', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('house_number', sa.String(length=20), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('locality', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('venue', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('whatsapp', sa.String(length=20), nullable=True),
    sa.Column('website', sa.String(length=2048), nullable=True),
    sa.Column('online_shop_url', sa.String(length=2048), nullable=True),
    sa.Column('social_links', sa.JSON(), nullable=False),
    sa.Column('payment_methods', sa.JSON(), nullable=False),
    sa.Column('wheelchair', sa.Enum('yes', 'limited', 'no', 'unknown', name='wheelchair', native_enum=False, length=10), nullable=False),
    sa.Column('step_free_entrance', sa.Boolean(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'pending_review', 'published', 'closed', name='shop_status', native_enum=False, length=20), nullable=False),
    sa.Column('last_confirmed_at', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_key'], ['shop_category.key'], name=op.f('fk_shop_category_key_shop_category'), onupdate='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_shop_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop')),
    sa.UniqueConstraint('slug', name=op.f('uq_shop_slug'))
    )
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_category_key'), ['category_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_status'), ['status'], unique=False)

    op.create_table('shop_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('publish', 'links', name='shop_change_kind', native_enum=False, length=10), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', name='shop_change_status', native_enum=False, length=10), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_shop_change_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_shop_change_requested_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_shop_change_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_change'))
    )
    with op.batch_alter_table('shop_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_change_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_change_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_change_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_change_status'), ['status'], unique=False)

    op.create_table('shop_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('logo', 'photo', name='shop_image_kind', native_enum=False, length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_key', sa.String(length=200), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('alt_text', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_shop_image_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_shop_image_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_image'))
    )
    with op.batch_alter_table('shop_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_image_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_image_shop_id'), ['shop_id'], unique=False)

    op.create_table('shop_owner',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_shop_owner_shop_id_shop'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_shop_owner_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'user_id', name=op.f('pk_shop_owner'))
    )
    with op.batch_alter_table('shop_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_owner_user_id'), ['user_id'], unique=False)

    op.create_table('shop_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('offer', 'event', name='offer_kind', native_enum=False, length=10), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('image_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_shop_offer_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['image_id'], ['shop_image.id'], name=op.f('fk_shop_offer_image_id_shop_image'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_shop_offer_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_offer'))
    )
    with op.batch_alter_table('shop_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_offer_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_offer_image_id'), ['image_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_offer_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_offer_valid_until'), ['valid_until'], unique=False)

    categories = sa.table(
        'shop_category', sa.column('key', sa.String), sa.column('osm_key', sa.String),
        sa.column('osm_value', sa.String), sa.column('schema_type', sa.String),
        sa.column('position', sa.Integer), sa.column('label', sa.JSON))
    op.bulk_insert(categories, DEFAULT_CATEGORIES)

    # Before this revision no shop existed, so a shop hotspot could only point at nothing.
    op.execute("DELETE FROM hotspot WHERE shop_id IS NOT NULL")
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_hotspot_shop_id_shop'), 'shop', ['shop_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')

    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hotspot_shop_id_shop'), type_='foreignkey')

    with op.batch_alter_table('shop_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_offer_valid_until'))
        batch_op.drop_index(batch_op.f('ix_shop_offer_shop_id'))
        batch_op.drop_index(batch_op.f('ix_shop_offer_image_id'))
        batch_op.drop_index(batch_op.f('ix_shop_offer_created_by_id'))

    op.drop_table('shop_offer')
    with op.batch_alter_table('shop_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_owner_user_id'))

    op.drop_table('shop_owner')
    with op.batch_alter_table('shop_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_image_shop_id'))
        batch_op.drop_index(batch_op.f('ix_shop_image_created_by_id'))

    op.drop_table('shop_image')
    with op.batch_alter_table('shop_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_change_status'))
        batch_op.drop_index(batch_op.f('ix_shop_change_shop_id'))
        batch_op.drop_index(batch_op.f('ix_shop_change_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_shop_change_decided_by_id'))

    op.drop_table('shop_change')
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_status'))
        batch_op.drop_index(batch_op.f('ix_shop_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_shop_category_key'))

    op.drop_table('shop')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_link_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_link_created_by_id'))

    op.drop_table('account_link')
    op.drop_table('shop_category')

"""Supplier master data as the API shows it."""

from __future__ import annotations

from rest_framework import serializers

from suppliers.models import Site, Supplier


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "address", "country"]


class SupplierSerializer(serializers.ModelSerializer):
    sites = SiteSerializer(many=True, read_only=True)
    buyer_units = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "legal_name",
            "local_name",
            "country",
            "address",
            "duns",
            "website",
            "status",
            "buyer_units",
            "categories",
            "sites",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

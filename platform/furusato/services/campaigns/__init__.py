"""Campaigns: projects, tiers, review, stories, images and the public catalog."""

"""scimguard: predictable SCIM provisioning into AWS IAM Identity Center."""

__version__ = "0.1.0"

-- One database per service: services never read each other's tables.
CREATE DATABASE intake;
CREATE DATABASE dispatch;
CREATE DATABASE mediation;
CREATE DATABASE notify;

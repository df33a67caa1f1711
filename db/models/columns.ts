import { DataTypes } from 'sequelize';

/** Column shorthands shared by the model files: snake_case columns, no automatic timestamps. */
export const common = { underscored: true, timestamps: false } as const;
export const uuid = { type: DataTypes.UUID, primaryKey: true } as const;
export const text = (allowNull = false) => ({ type: DataTypes.TEXT, allowNull });
export const bigint = (allowNull = false) => ({ type: DataTypes.BIGINT, allowNull });
export const date = (allowNull = false) => ({ type: DataTypes.DATE, allowNull });
/** A calendar date (YYYY-MM-DD), which pg returns as a string. */
export const day = (allowNull = false) => ({ type: DataTypes.DATEONLY, allowNull });
export const json = (allowNull = false) => ({ type: DataTypes.JSONB, allowNull });
